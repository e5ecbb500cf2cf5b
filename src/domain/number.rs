//! Numbers as pages and messages show them: with a thousands separator
//! (10,001), the same everywhere.

/// `10001` → `"10,001"`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn thousands_are_separated_by_commas() {
        for (n, shown) in
            [(0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (10_001, "10,001"), (1_234_567, "1,234,567")]
        {
            assert_eq!(grouped(n), shown);
        }
    }
}
