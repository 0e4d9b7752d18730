//! The hash behind fingerprints and change detection: XXH3-64 (xxhash-rust), stable across
//! runs and machines, and about ten times faster than std's SipHash on page-sized inputs,
//! which matters because every page's rendered Markdown and bytes are hashed on every build.
//! Not for security: a collision only costs a missed rewrite of identical-looking output,
//! as with any 64-bit content hash (Zola and Hugo use non-cryptographic hashes the same way).

/// A streaming hasher (`std::hash::Hasher`): feed it with `Hash::hash` or `write`, read
/// `finish()` (64 bits). Same input, same value, in every process and version of koho built
/// with the same xxhash-rust (XXH3 is a fixed specification: github.com/Cyan4973/xxHash).
pub type StableHasher = xxhash_rust::xxh3::Xxh3;

/// A new `StableHasher` with the default (zero) seed.
pub fn hasher() -> StableHasher {
    StableHasher::new()
}

#[cfg(test)]
mod tests {
    use std::hash::Hasher;

    #[test]
    fn matches_the_reference_value_for_the_empty_input() {
        // XXH3_64bits("") from the reference implementation's test vectors.
        assert_eq!(super::hasher().finish(), 0x2D06_8005_38D3_94C2);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut hasher = super::hasher();
        hasher.write(b"koho ");
        hasher.write("広報".as_bytes());
        assert_eq!(
            hasher.finish(),
            xxhash_rust::xxh3::xxh3_64("koho 広報".as_bytes())
        );
    }
}
