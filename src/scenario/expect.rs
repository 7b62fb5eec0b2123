//! What a scenario expects of each invariant: never broken, broken in every
//! run, or broken in a pinned fraction of runs (a rate band).

use crate::check::Invariant;

/// Parts per million of runs in 100%.
const PPM_PER_WHOLE: u64 = 1_000_000;

/// How wide a band must be, on each side of its centre, in standard errors
/// of the rate a campaign measures, for the campaign to check it: below
/// that, a campaign of the true rate would fall outside too often (4
/// standard errors: about 6 in 100,000 campaigns).
pub const BAND_CHECK_STANDARD_ERRORS: u64 = 4;

/// How wide [`Band::suggest`] makes a band: this many standard errors of the
/// measured rate on each side of it.
pub const BAND_SUGGEST_STANDARD_ERRORS: f64 = 5.0;

/// How often runs of a scenario may break an invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Expect {
    /// Every run must break it (#1390 fails on every join).
    Always,
    /// The fraction of a campaign's runs that break it lies in the band.
    Rate(Band),
    /// No run may break it.
    #[default]
    Never,
}

impl Expect {
    /// `always`, `never`, or the band as a scenario writes it.
    pub fn name(self) -> String {
        match self {
            Expect::Always => "always".to_string(),
            Expect::Rate(band) => band.to_string(),
            Expect::Never => "never".to_string(),
        }
    }

    /// Reads `always`, `never` or a band (`"0.4%..0.7%"`).
    pub fn parse(text: &str) -> Result<Expect, String> {
        match text {
            "always" => Ok(Expect::Always),
            "never" => Ok(Expect::Never),
            "sometimes" | "may" => Err(format!(
                "\"{text}\" is no longer accepted: it let any rate pass; pin the rate as a band like \
                 \"0.4%..0.7%\" (joinsim fuzz prints the band it measured)"
            )),
            _ => Band::parse(text).map(Expect::Rate),
        }
    }

    /// Whether the scenario expects runs that break the invariant (so that
    /// their failures are not "unexpected").
    pub fn allows_violations(self) -> bool {
        self != Expect::Never
    }

    /// Whether some run of a campaign must break it.
    pub fn requires_violations(self) -> bool {
        match self {
            Expect::Always => true,
            Expect::Rate(band) => band.low_ppm > 0,
            Expect::Never => false,
        }
    }
}

/// A closed range of rates: the fraction of a campaign's runs that break an
/// invariant, from `low` to `high` inclusive, in parts per million (a
/// scenario writes percentages with up to four decimals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    pub low_ppm: u64,
    pub high_ppm: u64,
}

impl Band {
    /// Reads `"A%..B%"`, `A <= B`, both within 0%..100%, `A < B` unless the
    /// band is exactly 0% or 100% (a point elsewhere could never be checked).
    pub fn parse(text: &str) -> Result<Band, String> {
        let bad = || format!("expected always, never or a rate band like \"0.4%..0.7%\", got \"{text}\"");
        let (low, high) = text.split_once("..").ok_or_else(bad)?;
        let (low_ppm, high_ppm) = (
            parse_percent(low).ok_or_else(bad)?,
            parse_percent(high).ok_or_else(bad)?,
        );
        if low_ppm > high_ppm {
            return Err(format!("rate band \"{text}\": the low end is above the high end"));
        }
        let band = Band { low_ppm, high_ppm };
        if low_ppm == high_ppm && band.variance_ppm2() != 0 {
            return Err(format!(
                "rate band \"{text}\" has no width, so no campaign could check it; give a range"
            ));
        }
        Ok(band)
    }

    /// Whether `violating` of `runs` runs is a rate within the band.
    pub fn contains(self, violating: u64, runs: u64) -> bool {
        let scaled = u128::from(violating) * u128::from(PPM_PER_WHOLE);
        let runs = u128::from(runs);
        scaled >= u128::from(self.low_ppm) * runs && scaled <= u128::from(self.high_ppm) * runs
    }

    /// `p(1-p)` at the band's centre, in ppm².
    fn variance_ppm2(self) -> u128 {
        let centre = u128::from(self.low_ppm + self.high_ppm) / 2;
        centre * (u128::from(PPM_PER_WHOLE) - centre)
    }

    /// The fewest runs for which the band is at least
    /// [`BAND_CHECK_STANDARD_ERRORS`] standard errors wide on each side of
    /// its centre: `n >= k² p(1-p) / w²`, `p` the centre and `w` the
    /// half-width. A campaign with fewer runs does not check the band.
    pub fn runs_needed(self) -> u64 {
        let half_width = u128::from(self.high_ppm - self.low_ppm) / 2;
        let variance = self.variance_ppm2();
        if variance == 0 {
            return 1;
        }
        let k2 = u128::from(BAND_CHECK_STANDARD_ERRORS * BAND_CHECK_STANDARD_ERRORS);
        let needed = (k2 * variance).div_ceil(half_width.max(1) * half_width.max(1));
        u64::try_from(needed).unwrap_or(u64::MAX).max(1)
    }

    /// A band around a measured rate: [`BAND_SUGGEST_STANDARD_ERRORS`]
    /// standard errors on each side, rounded outwards to a step of about a
    /// fifth of that margin, so that a campaign over other seeds of the
    /// same behaviour stays inside while a real shift leaves it.
    pub fn suggest(violating: u64, runs: u64) -> Band {
        let p = violating as f64 / runs.max(1) as f64;
        let margin_ppm = BAND_SUGGEST_STANDARD_ERRORS * (p * (1.0 - p) / runs.max(1) as f64).sqrt() * 1e6;
        let step = 10f64.powf((margin_ppm / 5.0).max(1.0).log10().floor());
        let centre = p * 1e6;
        let low = (((centre - margin_ppm) / step).floor() * step).max(0.0);
        let high = (((centre + margin_ppm) / step).ceil() * step).min(1e6);
        Band {
            low_ppm: low as u64,
            high_ppm: high as u64,
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", percent_of_ppm(self.low_ppm), percent_of_ppm(self.high_ppm))
    }
}

/// `0.52%` for 5200 ppm: at most four decimals, trailing zeros dropped.
pub fn percent_of_ppm(ppm: u64) -> String {
    let whole = ppm / 10_000;
    let fraction = format!("{:04}", ppm % 10_000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{whole}%")
    } else {
        format!("{whole}.{fraction}%")
    }
}

/// The rate `violating / runs` as a percentage, precise enough to compare
/// with a band (three significant decimals below 1%).
pub fn percent(violating: u64, runs: u64) -> String {
    fraction_percent(violating as f64 / runs.max(1) as f64)
}

/// A fraction as a percentage: two decimals, four below 1%.
pub fn fraction_percent(fraction: f64) -> String {
    let p = 100.0 * fraction;
    if p == 0.0 || p >= 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.4}%")
    }
}

/// `"0.4%"` (spaces allowed) as parts per million; at most 100% and four
/// decimals.
fn parse_percent(text: &str) -> Option<u64> {
    let number = text.trim().strip_suffix('%')?.trim();
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.len() > 4 || !(whole.bytes().chain(fraction.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<4}").parse().ok()?;
    let ppm = whole.checked_mul(10_000)?.checked_add(fraction)?;
    (ppm <= PPM_PER_WHOLE).then_some(ppm)
}

/// The roles a failure group names (see `explore::campaign::role_of`).
pub const GROUP_ROLES: [&str; 5] = ["joiner", "member", "leader", "admin", "cluster"];

/// A band pinned for one failure group rather than a whole invariant, so
/// that one finding vanishing among several of an invariant still shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupBand {
    /// The group as summaries name it: `join-leftovers on joiner at J7
    /// clusterAcceptMember` (`... at the end of the run` for no step).
    pub label: String,
    pub invariant: Invariant,
    pub band: Band,
}

impl GroupBand {
    /// Reads a group key `INVARIANT on ROLE at STEP`; `None` when `key` is
    /// not of that form, an error when it is but names no group.
    pub fn parse_key(key: &str) -> Option<Result<(Invariant, String), String>> {
        let (invariant, rest) = key.split_once(" on ")?;
        Some((|| {
            let invariant = Invariant::parse(invariant).ok_or_else(|| format!("unknown invariant \"{invariant}\""))?;
            let (role, step) = rest
                .split_once(" at ")
                .ok_or_else(|| format!("a failure group reads \"INVARIANT on ROLE at STEP\", got \"{key}\""))?;
            if !GROUP_ROLES.contains(&role) {
                return Err(format!("unknown role \"{role}\" (known: {})", GROUP_ROLES.join(", ")));
            }
            if step.trim().is_empty() {
                return Err("the failure group names no step".to_string());
            }
            Ok((invariant, key.to_string()))
        })())
    }
}

/// One expectation per invariant (`never` unless the scenario says), and
/// bands pinned for single failure groups.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Expectations {
    pub invariants: [Expect; Invariant::ALL.len()],
    pub groups: Vec<GroupBand>,
    /// Probes some run of a campaign must hit (`"probe: NAME" =
    /// "reached"`): a scenario whose window is never reached fails instead
    /// of passing silently.
    pub probes: Vec<crate::model::probe::Probe>,
}

impl Expectations {
    pub fn of(&self, invariant: Invariant) -> Expect {
        self.invariants[invariant.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_read_percentages_with_up_to_four_decimals() {
        let band = Band::parse("0.4%..0.7%").unwrap();
        assert_eq!((band.low_ppm, band.high_ppm), (4_000, 7_000));
        assert_eq!(band.to_string(), "0.4%..0.7%");
        assert_eq!(Band::parse(" 58.75% .. 59.25% ").unwrap().to_string(), "58.75%..59.25%");
        assert_eq!(Band::parse("100%..100%").unwrap().high_ppm, 1_000_000);
        for bad in [
            "0.4..0.7",
            "1%",
            "0.7%..0.4%",
            "0.00001%..1%",
            "1%..101%",
            "-1%..2%",
            "2%..2%",
            "a%..b%",
        ] {
            assert!(Band::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_band_contains_rates_at_both_ends() {
        let band = Band::parse("1%..2%").unwrap();
        assert!(band.contains(10, 1000) && band.contains(20, 1000) && band.contains(15, 1000));
        assert!(!band.contains(9, 1000) && !band.contains(21, 1000));
    }

    #[test]
    fn a_band_is_checked_only_where_it_spans_four_standard_errors() {
        // 20% +- 0.2%: sigma at n runs is sqrt(0.16/n); 0.2% = 4 sigma at n = 640,000.
        assert_eq!(Band::parse("19.8%..20.2%").unwrap().runs_needed(), 640_000);
        assert_eq!(Band::parse("0%..0%").unwrap().runs_needed(), 1);
        assert_eq!(Band::parse("10%..30%").unwrap().runs_needed(), 256);
    }

    #[test]
    fn a_suggested_band_is_five_standard_errors_each_side_rounded_outwards() {
        // 59% of a million: sigma 0.0492%, so +-0.246%, in steps of 0.01%.
        let band = Band::suggest(590_000, 1_000_000);
        assert_eq!(band.to_string(), "58.75%..59.25%");
        assert!(band.runs_needed() <= 1_000_000);
        assert_eq!(Band::suggest(0, 1_000_000).low_ppm, 0);
    }
}
