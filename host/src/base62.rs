//! Base62 text (`0-9A-Za-z`): how ids are spelled. Evaluation ids encode a hash of
//! their inputs; key, organisation, secret and link ids are random.

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` base62 characters from bytes (at most 21 carry information: a `u128`'s worth).
pub fn encode(bytes: &[u8], len: usize) -> String {
    let mut n = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    (0..len)
        .map(|_| {
            let c = ALPHABET[(n % 62) as usize] as char;
            n /= 62;
            c
        })
        .collect()
}

/// Random base62 text from the operating system's generator.
///
/// # Errors
///
/// When the OS has no randomness to give (practically never).
pub fn random(len: usize) -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    let mut out = String::with_capacity(len);
    while out.len() < len {
        getrandom::fill(&mut bytes)?;
        out.push_str(&encode(&bytes[..16], 21.min(len - out.len())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_base62_of_the_length_asked() {
        assert_eq!(encode(&[0], 3), "000");
        assert_eq!(encode(&[61], 1), "z");
        assert_eq!(encode(&[1, 0], 2), "84"); // 256 = 4 * 62 + 8
        let id = random(40).unwrap();
        assert_eq!(id.len(), 40);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        assert_ne!(random(12).unwrap(), random(12).unwrap());
    }
}
