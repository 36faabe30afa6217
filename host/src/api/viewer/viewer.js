// The audit trace viewer. It reads the trace this page's URL names (with the same signed
// capability, asking for JSON) in parts, so that a trace of 100,000 candidates opens as
// fast as one of 2,000: the overview (the trace without its candidates, their counts, the
// filtered-out ones grouped by reason), then one page of the ranked shortlist at a time,
// searched and sorted by the server, and a candidate by name when one is opened from the
// groups. It renders the summary, the modules that ran, the shortlist (the DOM holds one
// page), a candidate's drill-down with the aggregation worked out in numbers, and the
// filtered-out candidates. Every value from the trace goes in as text, never markup.
// Under /traces/A/compare/B it renders the comparison of two evaluations instead: what
// ran on each side, the counts, and what changed for whom.
'use strict';

(function () {
  const PAGE = 50;
  const app = document.getElementById('app');

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Replaces a node's children, flattening lists and skipping empty slots.
  function fill(node, ...children) {
    node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  }

  const num = (n, digits = 2) => Number(Number(n).toFixed(digits)).toString();
  const card = (title, id, ...children) => el('section', { class: 'card', id }, el('h2', {}, title), ...children);
  const kv = (pairs) => el('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const level = (l) => el('span', { class: 'lvl lvl-' + l }, l);

  const comparing = /^\/traces\/[^/]+\/compare\/[^/]+$/.test(location.pathname);
  const LINK_PARAMS = ['exp', 'kid', 'sig'];

  // This page's URL asking for a part of the trace: the link's capability, if any, goes
  // along.
  function partUrl(params) {
    const query = new URLSearchParams();
    const here = new URLSearchParams(location.search);
    for (const k of LINK_PARAMS) if (here.has(k)) query.set(k, here.get(k));
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, v);
    return location.pathname + '?' + query.toString();
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: 'application/json' } })
      .then((r) => r.json().then((body) => (r.ok ? body : Promise.reject(body))));
  }

  function loadError(what, body) {
    const message = (body && body.error && body.error.message) || String(body);
    return el('section', { class: 'card problem', id: 'load-error' }, el('h2', {}, what + ' could not be loaded'), el('p', {}, message));
  }

  (comparing ? getJson(location.pathname + location.search).then(renderComparison) : getJson(partUrl({ part: 'overview' })).then(render))
    .catch((body) => fill(app, loadError(comparing ? 'The comparison' : 'The trace', body)));

  // The trace leaves out what is empty: a filtered candidate has no ratings.
  function complete(candidate) {
    candidate.scores = candidate.scores || [];
    candidate.verdicts = candidate.verdicts || [];
    return candidate;
  }

  function render(overview) {
    const trace = overview.trace;
    document.getElementById('title').textContent = trace.eval_id;
    document.title = trace.eval_id + ' · audit trace';
    const m = trace.aggregation;
    const model = {
      trace,
      overview,
      manifest: m,
      tierIndex: Object.fromEntries(m.tiers.map((t, i) => [t.name, i])),
    };
    const drill = el('section', { class: 'card', id: 'drilldown', hidden: true });
    model.open = (candidate) => openCandidate(model, drill, complete(candidate));
    // A candidate named in the groups or the search: read alone, then opened.
    model.openNamed = (name) => getJson(partUrl({ candidate: name })).then(model.open)
      .catch((body) => { drill.hidden = false; fill(drill, loadError('The candidate', body)); });
    const list = shortlist(model);
    fill(app,
      trace.error ? failure(trace) : null,
      summary(model),
      modules(trace),
      list.card,
      drill,
      filteredOut(model),
      compareForm(trace),
    );
    // When the first view was on screen, in ms from the navigation: what the traces bench
    // reads.
    list.firstPage.then(() => { document.body.dataset.rendered = String(Math.round(performance.now())); });
  }

  // Where an auditor pastes another evaluation's audit link to compare it with this one:
  // both links' capabilities go along, the other's as to_exp, to_kid and to_sig.
  function compareForm(trace) {
    const input = el('input', { type: 'search', id: 'compare-link', placeholder: 'Paste the audit link of another evaluation' });
    const problem = el('p', { class: 'muted', id: 'compare-problem' });
    const go = () => {
      let url;
      try {
        url = new URL(input.value.trim(), location.origin);
      } catch (e) {
        problem.textContent = 'That is not a link.';
        return;
      }
      const match = /^\/traces\/([^/]+)$/.exec(url.pathname);
      if (!input.value.trim() || !match) {
        problem.textContent = 'That is not an audit link: its path is /traces/ and an evaluation id.';
        return;
      }
      const here = new URLSearchParams(location.search);
      const query = new URLSearchParams();
      for (const k of LINK_PARAMS) {
        if (here.has(k)) query.set(k, here.get(k));
        if (url.searchParams.has(k)) query.set('to_' + k, url.searchParams.get(k));
      }
      const search = query.toString();
      location.assign(`/traces/${encodeURIComponent(trace.eval_id)}/compare/${match[1]}` + (search ? '?' + search : ''));
    };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
    return card('Compare with another evaluation', 'compare',
      el('p', { class: 'muted' }, 'Another evaluation of the same organisation and vertical, e.g. the same profile after a release: this one is "before", the other "after". ',
        'From a shell: ', el('code', {}, `shortlist compare ${trace.eval_id} OTHER_EVAL_ID`), '.'),
      el('div', { class: 'tools' }, input, el('button', { id: 'compare-go', onclick: go }, 'Compare')),
      problem);
  }

  function renderComparison(cmp) {
    const title = `${cmp.from.eval_id} → ${cmp.to.eval_id}`;
    document.getElementById('title').textContent = title;
    document.title = title + ' · comparison';
    const here = new URLSearchParams(location.search);
    // Each side's own trace, opened with its own link's capability when there is one.
    const traceLink = (side, prefix) => {
      const query = new URLSearchParams();
      for (const k of LINK_PARAMS) if (here.has(prefix + k)) query.set(k, here.get(prefix + k));
      const search = query.toString();
      return el('a', { href: `/traces/${encodeURIComponent(side.eval_id)}` + (search ? '?' + search : '') }, side.eval_id);
    };
    const row = (label, f) => el('tr', {}, el('th', {}, label), el('td', {}, f(cmp.from, '')), el('td', {}, f(cmp.to, 'to_')));
    const c = cmp.counts;
    const notes = [
      cmp.same_profile ? 'Both evaluated the same profile.' : 'The profiles differ.',
      cmp.same_pool_version ? 'Both ran on the same version of the pool.' : `The pool versions differ: ${c.added || 0} candidates added, ${c.removed || 0} removed.`,
      cmp.status[0] === cmp.status[1] ? null : `Status: ${cmp.status[0]} → ${cmp.status[1]}.`,
    ].filter(Boolean).join(' ');
    fill(app,
      card('Comparison', 'comparison',
        el('table', { id: 'compare-sides' },
          el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'before'), el('th', {}, 'after'))),
          el('tbody', {},
            row('evaluation', (s, prefix) => traceLink(s, prefix)),
            row('release', (s) => el('code', {}, s.release || '(modules from a directory)')),
            row('pool', (s) => `${s.pool}, ${s.pool_size} candidates`),
            row('pool version', (s) => el('code', {}, s.pool_version)),
            row('status', (s) => s.status))),
        el('p', { id: 'compare-notes' }, notes),
        el('p', { id: 'compare-counts' },
          `${c.candidates} candidates: ${c.newly_filtered} newly filtered, ${c.newly_eligible} newly eligible, `,
          `${c.tier_changed} tier changes, ${c.rank_changed} rank moves, ${c.outputs_changed} with other module output, ${c.unchanged} unchanged.`)),
      changes(cmp));
  }

  const pair = (p, empty) => (p ? `${p[0] ?? empty} → ${p[1] ?? empty}` : '');
  const material = (ch) => ch.in_pool || ch.eligible || ch.tier || ch.fit || (ch.filters || []).length || (ch.dimensions || []).length;

  function changes(cmp) {
    const state = { query: '', all: false, page: 0 };
    const body = el('tbody');
    const info = el('span', { class: 'muted', id: 'changes-info' });
    const prev = el('button', { onclick: () => { state.page--; draw(); } }, 'Previous');
    const next = el('button', { onclick: () => { state.page++; draw(); } }, 'Next');
    const search = el('input', { type: 'search', id: 'changes-search', placeholder: 'Find a candidate by name', oninput: (e) => { state.query = e.target.value.trim().toLowerCase(); state.page = 0; draw(); } });
    const all = el('input', { type: 'checkbox', id: 'rank-moves', onchange: (e) => { state.all = e.target.checked; state.page = 0; draw(); } });
    const outcome = (ch) => {
      if (ch.in_pool) return ch.in_pool[0] ? 'no longer in the pool' : 'new in the pool';
      if (ch.eligible) return ch.eligible[1] ? 'newly eligible' : 'newly filtered';
      return '';
    };
    const why = (ch) => el('ul', { class: 'why' },
      (ch.filters || []).map((f) => el('li', {}, `${f.module}: ${f.from ? 'rejected (' + f.from + ')' : 'kept'} → ${f.to ? 'rejected (' + f.to + ')' : 'kept'}`)),
      (ch.dimensions || []).map((d) => el('li', {}, `${d.dimension} (${d.module}): ${d.from || '–'} → ${d.to || '–'}`)));
    function draw() {
      const shown = cmp.candidates.filter((ch) => (state.all || material(ch)) && ch.name.toLowerCase().includes(state.query));
      const pages = Math.max(1, Math.ceil(shown.length / PAGE));
      state.page = Math.min(Math.max(0, state.page), pages - 1);
      const page = shown.slice(state.page * PAGE, (state.page + 1) * PAGE);
      fill(body, page.map((ch) => el('tr', { class: 'change', 'data-name': ch.name },
        el('td', { class: 'name' }, ch.name),
        el('td', { class: 'outcome' }, outcome(ch)),
        el('td', { class: 'tier-change' }, pair(ch.tier, 'filtered')),
        el('td', { class: 'num' }, pair(ch.rank, '–')),
        el('td', { class: 'num' }, pair(ch.fit, '–')),
        el('td', {}, why(ch)))));
      info.textContent = shown.length === 0 ? 'No candidate matches.'
        : `${state.page * PAGE + 1}–${state.page * PAGE + page.length} of ${shown.length}`;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    draw();
    return card('What changed, for whom', 'changes',
      el('div', { class: 'tools' }, search, el('label', {}, all, ' include candidates whose rank alone moved'), prev, next, info),
      el('table', {},
        el('thead', {}, el('tr', {}, ['candidate', 'in or out', 'tier', 'rank', 'fit', 'module outputs behind it'].map((h) => el('th', {}, h)))),
        body));
  }

  function failure(trace) {
    const e = trace.error;
    return el('section', { class: 'card problem', id: 'failure' },
      el('h2', {}, 'This evaluation failed'),
      kv([['code', el('code', { class: 'error-code' }, e.code)], ['module', el('span', { class: 'error-module' }, e.module || '(none)')], ['reason', el('span', { class: 'error-message' }, e.message)]]));
  }

  function summary(model) {
    const t = model.trace;
    const clock = new Date(t.sandbox.clock_unix_seconds * 1000).toISOString();
    return card('Summary', 'summary',
      el('div', { class: 'grid' },
        kv([
          ['evaluation', el('code', {}, t.eval_id)],
          ['status', t.status],
          ['vertical', t.vertical],
          ['release', t.release ? el('code', { id: 'release' }, t.release) : '(modules from a directory)'],
          ['pool', `${t.pool.id}, ${t.pool.size} candidates`],
          ['pool version', el('code', {}, t.pool.version)],
        ]),
        kv([
          ['eligible', `${model.overview.eligible} of ${model.overview.candidates}`],
          ['filtered out', String(model.overview.filtered)],
          ['clock seen', clock],
          ['seed', el('code', {}, t.sandbox.seed)],
          ['reproduce', el('code', {}, `shortlist replay ${t.eval_id}`)],
          ['compare', el('code', {}, `shortlist whatif ${t.eval_id} --release ${t.vertical}@N`)],
          t.redacted ? ['masked', el('span', { id: 'redacted' }, masked(t.redacted))] : null,
        ].filter(Boolean))),
      el('details', {}, el('summary', {}, 'Profile'), el('pre', {}, JSON.stringify(t.profile, null, 2))),
      el('details', {}, el('summary', {}, 'Aggregation rules (the manifest)'), el('pre', {}, JSON.stringify(model.manifest, null, 2))));
  }

  // The fields the vertical marks sensitive: masked in this trace as "[redacted]".
  function masked(redacted) {
    const fields = [...redacted.profile.map((f) => 'profile.' + f), ...redacted.candidate.map((f) => 'candidate.' + f)];
    return fields.join(', ') + ' (sensitive: shown as [redacted], in the profile and in what the modules wrote)';
  }

  // The limits a module's calls ran under (kept with the trace since limits were).
  function limitsOf(l) {
    if (!l) return '';
    const mib = (bytes) => num(bytes / 1048576, 1) + ' MiB';
    return `${num(l.deadline_ms / 1000, 3)} s, ${l.fuel.toLocaleString('en')} fuel, ${mib(l.memory_bytes)} memory, ${mib(l.output_bytes)} output, ${l.log_lines} log lines`;
  }

  function modules(trace) {
    const rows = trace.modules.map((m) => el('tr', {},
      el('td', {}, m.name), el('td', {}, m.version), el('td', {}, m.kind),
      el('td', {}, el('code', {}, m.sha256)),
      el('td', { class: 'num' }, m.candidates), el('td', { class: 'num' }, m.fuel_used.toLocaleString('en')),
      el('td', { class: 'num' }, m.wall_time_us === undefined ? '' : num(m.wall_time_us / 1000) + ' ms'),
      el('td', { class: 'limits' }, limitsOf(m.limits)),
      el('td', {}, m.logs.length === 0 ? '' : el('details', {}, el('summary', {}, `${m.logs.length} lines` + (m.logs_dropped ? ` (+${m.logs_dropped} dropped)` : '')),
        el('pre', {}, m.logs.map((l) => `${l.level}: ${l.message}`).join('\n'))))));
    return card('Modules that ran', 'modules',
      rows.length === 0 ? el('p', { class: 'muted' }, 'No module call completed; the failing one is named above.') : null,
      el('table', {},
      el('thead', {}, el('tr', {}, ['module', 'version', 'kind', 'SHA-256', 'candidates', 'fuel', 'wall time', 'limits per call', 'log'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)));
  }

  // The ranked shortlist, a page at a time: the server searches, sorts and pages it.
  // Returns the card, and a promise of its first page on screen.
  function shortlist(model) {
    const dims = model.manifest.dimensions;
    const columns = [
      { name: '#', sort: 'rank', num: true },
      { name: 'candidate', sort: 'name' },
      { name: 'tier', sort: 'tier' },
      { name: 'fit', sort: 'fit', num: true },
      { name: 'confidence', sort: 'confidence' },
      ...dims.map((d) => ({ name: d, sort: d })),
    ];
    const state = { query: '', sort: 0, descending: false, page: 0, asked: 0 };
    const rows = el('tbody');
    const info = el('span', { class: 'muted', id: 'page-info' });
    const prev = el('button', { id: 'prev', onclick: () => { state.page--; draw(); } }, 'Previous');
    const next = el('button', { id: 'next', onclick: () => { state.page++; draw(); } }, 'Next');
    const filteredMatches = el('div', { id: 'filtered-matches' });
    let typing = null;
    const search = el('input', { type: 'search', id: 'search', placeholder: 'Find a candidate by name', oninput: (e) => {
      state.query = e.target.value.trim();
      state.page = 0;
      clearTimeout(typing);
      typing = setTimeout(draw, 150);
    } });
    const head = el('tr', {}, columns.map((c, i) => el('th', { class: 'sortable' + (c.num ? ' num' : ''), onclick: () => { state.descending = state.sort === i ? !state.descending : false; state.sort = i; state.page = 0; draw(); } }, c.name)), el('th', {}, 'reasoning'));

    // Asks for the page the state names; only the answer to the latest question is shown.
    function draw() {
      const asked = ++state.asked;
      const url = partUrl({ part: 'shortlist', q: state.query, sort: columns[state.sort].sort, order: state.descending ? 'desc' : 'asc', offset: state.page * PAGE, limit: PAGE });
      return getJson(url)
        .then((page) => { if (asked === state.asked) return show(page); })
        .catch((body) => { if (asked === state.asked) info.textContent = 'This page could not be loaded: ' + ((body && body.error && body.error.message) || String(body)); });
    }

    function show(page) {
      const pages = Math.max(1, Math.ceil(page.total / PAGE));
      if (state.page > pages - 1) {
        state.page = pages - 1;
        return draw();
      }
      const shown = page.candidates.map(complete);
      fill(rows, shown.map((c) => el('tr', { class: 'row', 'data-name': c.name, onclick: () => model.open(c) },
        el('td', { class: 'num' }, c.result.rank),
        el('td', { class: 'name' }, c.name),
        el('td', {}, el('span', { class: 'tier tier-' + Math.min(model.tierIndex[c.result.tier], 3) }, c.result.tier)),
        el('td', { class: 'num' }, num(c.result.fit, 1)),
        el('td', {}, c.result.confidence),
        ...dims.map((d) => el('td', {}, level(levelOf(c, d)))),
        el('td', {}, c.result.reasoning))));
      info.textContent = page.total === 0 ? 'No eligible candidate matches.'
        : `${page.offset + 1}–${page.offset + shown.length} of ${page.total}`;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      const gone = page.filtered_matches;
      fill(filteredMatches, (gone.total === 0 ? [] : [
        el('p', { class: 'muted' }, `Filtered out and matching: ${gone.total}` + (gone.total > gone.names.length ? ` (the first ${gone.names.length} listed)` : '')),
        el('ul', {}, gone.names.map((name) => el('li', {}, el('a', { href: '#drilldown', class: 'filtered-name', onclick: () => model.openNamed(name) }, name)))),
      ]));
    }

    return {
      card: card('Ranked shortlist', 'shortlist',
        el('div', { class: 'tools' }, search, prev, next, info),
        el('table', {}, el('thead', {}, head), rows),
        filteredMatches),
      firstPage: draw(),
    };
  }

  function levelOf(candidate, dimension) {
    const s = candidate.scores.find((s) => s.dimension === dimension);
    return s ? s.level : '';
  }

  function openCandidate(model, drill, candidate) {
    document.querySelectorAll('tr.selected').forEach((r) => r.classList.remove('selected'));
    document.querySelectorAll(`tr.row`).forEach((r) => { if (r.dataset.name === candidate.name) r.classList.add('selected'); });
    const r = candidate.result;
    drill.hidden = false;
    drill.dataset.name = candidate.name;
    fill(drill,
      el('h2', {}, candidate.name),
      r ? el('p', { class: 'headline' }, `Rank ${r.rank}: `, el('span', { class: 'tier tier-' + Math.min(model.tierIndex[r.tier], 3) }, r.tier), `, fit ${num(r.fit, 1)}, confidence ${r.confidence}. ${r.reasoning}`)
        : el('p', { class: 'headline no' }, 'Filtered out: not scored.'),
      el('h3', {}, 'Filters'),
      el('table', { id: 'verdicts' }, el('tbody', {}, candidate.verdicts.map((v) => el('tr', {},
        el('td', {}, v.module), el('td', { class: v.eligible ? 'yes' : 'no' }, v.eligible ? 'kept' : 'rejected'), el('td', {}, v.reason || ''))))),
      candidate.scores.length ? [
        el('h3', {}, 'Ratings'),
        el('table', { id: 'ratings' },
          el('thead', {}, el('tr', {}, ['dimension', 'module', 'level', 'evidence', 'note'].map((h) => el('th', {}, h)))),
          el('tbody', {}, candidate.scores.map((s) => el('tr', {}, el('td', {}, s.dimension), el('td', {}, s.module), el('td', {}, level(s.level)), el('td', {}, s.evidence), el('td', {}, s.note))))),
        arithmetic(model.manifest, candidate),
      ] : null);
    drill.scrollIntoView({ block: 'start' });
  }

  // The aggregation in numbers, as the host computes it (eval/aggregate.rs): fit is the
  // weighted mean of the levels' points; the tier is the first rule met; confidence follows
  // from the weight backed by full evidence.
  function arithmetic(m, candidate) {
    const rows = m.dimensions.map((d) => {
      const s = candidate.scores.find((x) => x.dimension === d);
      const weight = m.weights[d] || 0;
      const points = s ? m.points[s.level] || 0 : 0;
      return { d, s, weight, points, product: weight * points };
    });
    const W = rows.reduce((a, r) => a + r.weight, 0);
    const S = rows.reduce((a, r) => a + r.product, 0);
    const fit = W > 0 ? S / W : 0;
    const full = rows.filter((r) => r.s && r.s.evidence === 'full').reduce((a, r) => a + r.weight, 0);
    const none = rows.filter((r) => r.s && r.s.evidence === 'none').reduce((a, r) => a + r.weight, 0);
    const share = W > 0 ? full / W : 0;
    const levelOfDim = (d) => (rows.find((r) => r.d === d) || {}).s?.level;
    let matched = false;
    const tiers = m.tiers.map((t) => {
      const checks = [{ text: `fit ${num(fit, 1)} ≥ ${t.min_fit}`, ok: fit >= t.min_fit }]
        .concat(Object.entries(t.worst || {}).map(([d, cap]) => {
          const l = levelOfDim(d);
          return { text: `${d} ${l || '?'} no worse than ${cap}`, ok: !!l && l <= cap };
        }));
      const met = checks.every((c) => c.ok);
      const chosen = met && !matched;
      matched = matched || met;
      return el('li', { class: met ? 'rule-met' : 'rule-missed' },
        el('strong', {}, t.name), ': ', checks.map((c, i) => [i ? '; ' : '', c.text, c.ok ? ' ✓' : ' ✗']),
        chosen ? el('strong', { class: 'chosen-tier' }, ' → this tier') : '');
    });
    const c = m.confidence;
    const confidence = share >= c.high && none === 0 ? 'HIGH' : share >= c.medium ? 'MEDIUM' : 'LOW';
    return el('div', { id: 'aggregation' },
      el('h3', {}, 'Fit: the weighted mean of the levels\' points'),
      el('table', { class: 'math', id: 'fit-math' },
        el('thead', {}, el('tr', {}, ['dimension', 'level', 'points', 'weight', 'weight × points'].map((h) => el('th', { class: h === 'dimension' || h === 'level' ? '' : 'num' }, h)))),
        el('tbody', {}, rows.map((r) => el('tr', {}, el('td', {}, r.d), el('td', {}, r.s ? level(r.s.level) : '–'),
          el('td', { class: 'num' }, num(r.points)), el('td', { class: 'num' }, num(r.weight)), el('td', { class: 'num' }, num(r.product))))),
        el('tfoot', {}, el('tr', {}, el('td', { colspan: 3 }, 'sum'), el('td', { class: 'num' }, num(W)), el('td', { class: 'num' }, num(S))),
          el('tr', {}, el('td', { colspan: 5, class: 'fit-result' }, `fit = ${num(S)} / ${num(W)} = ${num(fit, 1)}`)))),
      el('h3', {}, 'Tier: the first rule met, best first'),
      el('ul', { id: 'tier-rules' }, tiers),
      el('h3', {}, 'Confidence: the weight backed by full evidence'),
      el('p', { id: 'confidence-math' },
        `full evidence ${num(full)} of ${num(W)} = ${num(share, 3)}; no evidence ${num(none)}. `,
        `HIGH needs ≥ ${c.high} and none without evidence; MEDIUM needs ≥ ${c.medium}. → ${confidence}`));
  }

  // The filtered-out candidates grouped by filter and reason, as the server counted them;
  // each group lists its first names, and every one is found by name in the search.
  function filteredOut(model) {
    const groups = model.overview.rejections;
    return card(`Filtered out: ${model.overview.filtered}`, 'filtered',
      groups.length === 0 ? el('p', { class: 'muted' }, 'No candidate was filtered out.') : null,
      groups.map((g) => el('details', { class: 'reason-group' },
        el('summary', {}, el('strong', {}, String(g.count)), ` × ${g.module}: ${g.reason}`),
        el('ul', { class: 'names' }, g.names.map((name) => el('li', {}, el('a', { href: '#drilldown', onclick: () => model.openNamed(name) }, name)))),
        g.count > g.names.length ? el('p', { class: 'muted' }, `and ${g.count - g.names.length} more: find them by name above`) : null)));
  }
})();
