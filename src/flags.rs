//! Parsers of numeric flags whose messages say what is accepted (a negative seed
//! is "must be a whole number from 0 to ...", not clap's "unexpected argument").

/// Parses a whole number from `min` to `max` (clap value parsers below).
fn whole(text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

/// `--seed`: any u64.
pub fn seed(text: &str) -> Result<u64, String> {
    whole(text, 0, u64::MAX)
}

/// `--replications`: at least 1.
pub fn replications(text: &str) -> Result<u64, String> {
    whole(text, 1, u64::MAX)
}

/// `--threads`: 1 to 4096.
pub fn threads(text: &str) -> Result<usize, String> {
    whole(text, 1, 4096).map(|n| n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_and_junk_are_refused_with_the_range() {
        assert_eq!(seed("0"), Ok(0));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(seed("-1").unwrap_err().contains("from 0 to"));
        assert!(seed("1.5").is_err());
        assert!(replications("0").unwrap_err().contains("from 1"));
        assert!(threads("0").unwrap_err().contains("from 1 to 4096"));
        assert!(threads("5000").is_err());
        assert_eq!(threads("2"), Ok(2));
    }
}
