//! Calendar dates of front matter (`date = 2020-05-13`), without time zones.

use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, rejecting impossible days such as 2021-02-29.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let date = Date {
            year: i32::try_from(number(0..4)?).ok()?,
            month: number(5..7)?,
            day: number(8..10)?,
        };
        date.is_valid().then_some(date)
    }

    fn is_valid(self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u32 {
        // Sakamoto's method, which counts 0 = Sunday.
        const OFFSETS: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let year = if self.month < 3 {
            self.year - 1
        } else {
            self.year
        };
        let sunday_based = (year + year / 4 - year / 100
            + year / 400
            + OFFSETS[(self.month - 1) as usize]
            + self.day as i32)
            .rem_euclid(7);
        if sunday_based == 0 {
            7
        } else {
            sunday_based as u32
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            Date::parse("2020-05-13"),
            Some(Date {
                year: 2020,
                month: 5,
                day: 13
            })
        );
        assert_eq!(Date::parse("2020-02-29").map(|d| d.day), Some(29));
        assert_eq!(Date::parse("2021-02-29"), None);
        assert_eq!(Date::parse("2020-13-01"), None);
        assert_eq!(Date::parse("2020-5-13"), None);
        assert_eq!(Date::parse("２020-05-13"), None);
    }

    #[test]
    fn weekdays() {
        // 13 May 2020 was a Wednesday, 1 May 2020 a Friday.
        assert_eq!(Date::parse("2020-05-13").unwrap().weekday(), 3);
        assert_eq!(Date::parse("2020-05-01").unwrap().weekday(), 5);
        assert_eq!(Date::parse("2020-03-01").unwrap().weekday(), 7);
    }
}
