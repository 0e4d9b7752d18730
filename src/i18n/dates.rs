//! Localized dates from patterns kept in the .ftl files (Fluent has no DATETIME builtin).

use fluent_bundle::FluentArgs;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::Locales;
use crate::content::Date;

/// A date as templates use it: the ISO form for `<time datetime>` and the localized text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LocalizedDate {
    pub iso: String,
    pub long: String,
}

/// Formats with the message `date-long`, which receives `$year`, `$month`, `$day`, and the
/// localized names `$weekday` (from `weekday-1` … `weekday-7`, Monday first) and `$monthname`
/// (from `month-1` … `month-12`). Without a `date-long` message the ISO date is shown.
///
/// `Locales::load` has checked that `date-long` and every name it uses exist and format with
/// these arguments (an error naming the .ftl file otherwise), so nothing here fails for a site
/// that loaded; a name that `date-long` does not use may be missing and is then left empty.
pub fn localize(locales: &Locales, lang: &str, date: Date) -> LocalizedDate {
    let mut args = FluentArgs::new();
    args.set("year", date.year);
    args.set("month", date.month);
    args.set("day", date.day);
    let name = |key: String| locales.get(lang, &key, None);
    args.set(
        "weekday",
        name(format!("weekday-{}", date.weekday())).unwrap_or_default(),
    );
    args.set(
        "monthname",
        name(format!("month-{}", date.month)).unwrap_or_default(),
    );
    let iso = date.to_string();
    let long = locales
        .get(lang, "date-long", Some(&args))
        .unwrap_or_else(|| iso.clone());
    LocalizedDate { iso, long }
}

/// Dates localized once per build: a site's listings and asides show the same dates on
/// thousands of pages (10,000 releases had 1,680 distinct dates), and each `localize` formats
/// three Fluent messages.
#[derive(Default)]
pub struct LocalizedDates {
    by_lang: FxHashMap<String, FxHashMap<Date, LocalizedDate>>,
}

impl LocalizedDates {
    /// Every date of `dates` localized in every language of `languages`, in parallel.
    pub fn new(locales: &Locales, languages: &[&str], dates: impl Iterator<Item = Date>) -> Self {
        let mut distinct: Vec<Date> = dates.collect();
        distinct.sort_unstable();
        distinct.dedup();
        let by_lang = languages
            .iter()
            .map(|&lang| {
                let localized = distinct
                    .par_iter()
                    .map(|&date| (date, localize(locales, lang, date)))
                    .collect();
                (lang.to_string(), localized)
            })
            .collect();
        LocalizedDates { by_lang }
    }

    /// `date` in `lang`: the one localized in advance, or else formatted now (`localize`).
    pub fn get(&self, locales: &Locales, lang: &str, date: Date) -> LocalizedDate {
        self.by_lang
            .get(lang)
            .and_then(|dates| dates.get(&date))
            .cloned()
            .unwrap_or_else(|| localize(locales, lang, date))
    }
}
