//! The time axis a figure's cells share: seconds to x, with long quiet stretches cut out (a
//! broken axis), so a pod that waited five minutes for an image, or restarted with growing
//! back-offs, still fits a laptop's width and its busy seconds stay readable.
//!
//! A stretch is cut when nothing starts, ends or happens in it for longer than
//! [`TimeAxis::GAP`] and longer than a quarter of the whole: it is drawn [`TimeAxis::CUT`]
//! seconds wide, with a break mark and its true length.

/// A piece of the axis: seconds `t0..t1` drawn over `x0..x1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First second.
    pub t0: f64,
    /// Last second.
    pub t1: f64,
    /// Where it starts, pixels.
    pub x0: f64,
    /// Where it ends, pixels.
    pub x1: f64,
    /// Whether it is a cut (drawn shorter than it lasted).
    pub cut: bool,
}

/// Seconds to pixels over `left..right`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    /// The pieces, left to right.
    pub segments: Vec<Segment>,
}

impl TimeAxis {
    /// A quiet stretch shorter than this (seconds) is never cut.
    pub const GAP: f64 = 20.0;
    /// How wide a cut is drawn, in seconds of the uncut scale.
    pub const CUT: f64 = 3.0;

    /// An axis over every moment in `times` (span ends, marks), drawn from `left` to `right`.
    pub fn new(times: &[f64], left: f64, right: f64) -> Self {
        let mut times: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
        times.push(0.0);
        times.sort_by(f64::total_cmp);
        times.dedup();
        let first = times[0];
        let last = times[times.len() - 1].max(first + 1.0);
        let total = last - first;
        // Stretches (in seconds) and whether each is cut.
        let mut pieces: Vec<(f64, f64, bool)> = Vec::new();
        let mut start = first;
        for pair in times.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b - a > Self::GAP && b - a > total / 4.0 {
                // Keep a second of context either side of the cut.
                let (ca, cb) = (a + 1.0, b - 1.0);
                pieces.push((start, ca, false));
                pieces.push((ca, cb, true));
                start = cb;
            }
        }
        pieces.push((start, last, false));
        let drawn = |(a, b, cut): (f64, f64, bool)| if cut { Self::CUT } else { b - a };
        let length: f64 = pieces.iter().map(|p| drawn(*p)).sum();
        let scale = (right - left) / length;
        let mut x = left;
        let segments = pieces
            .into_iter()
            .map(|p| {
                let width = drawn(p) * scale;
                let segment = Segment {
                    t0: p.0,
                    t1: p.1,
                    x0: x,
                    x1: x + width,
                    cut: p.2,
                };
                x += width;
                segment
            })
            .collect();
        TimeAxis { segments }
    }

    /// The x of second `t` (clamped to the axis).
    pub fn x(&self, t: f64) -> f64 {
        let first = self.segments[0];
        if t <= first.t0 {
            return first.x0;
        }
        for s in &self.segments {
            if t <= s.t1 {
                let f = if s.t1 > s.t0 {
                    (t - s.t0) / (s.t1 - s.t0)
                } else {
                    0.0
                };
                return s.x0 + f * (s.x1 - s.x0);
            }
        }
        self.segments[self.segments.len() - 1].x1
    }

    /// Tick seconds for the uncut segments: a round step that leaves about 60 px between ticks.
    pub fn ticks(&self) -> Vec<f64> {
        let mut ticks = Vec::new();
        for s in self.segments.iter().filter(|s| !s.cut) {
            let per_second = (s.x1 - s.x0) / (s.t1 - s.t0).max(f64::EPSILON);
            let step = [
                0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0,
            ]
            .into_iter()
            .find(|step| step * per_second >= 60.0)
            .unwrap_or(1800.0);
            let mut t = (s.t0 / step).ceil() * step;
            while t <= s.t1 + 1e-9 {
                ticks.push(t);
                t += step;
            }
        }
        ticks.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_run_is_linear() {
        let axis = TimeAxis::new(&[0.0, 5.0, 10.0], 100.0, 1100.0);
        assert_eq!(axis.segments.len(), 1);
        assert!((axis.x(5.0) - 600.0).abs() < 1e-9);
        assert!((axis.x(10.0) - 1100.0).abs() < 1e-9);
    }

    #[test]
    fn a_long_quiet_wait_is_cut_and_order_is_kept() {
        // Five minutes of ImagePullBackOff between two busy seconds.
        let axis = TimeAxis::new(&[0.0, 1.0, 2.0, 302.0, 303.0, 305.0], 0.0, 1000.0);
        assert_eq!(axis.segments.iter().filter(|s| s.cut).count(), 1);
        // The busy seconds get most of the width: 1 s is far wider than 1000/305 px.
        assert!(axis.x(2.0) - axis.x(1.0) > 50.0);
        let xs: Vec<f64> = [0.0, 1.0, 2.0, 100.0, 302.0, 305.0]
            .iter()
            .map(|t| axis.x(*t))
            .collect();
        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "{xs:?}");
        assert!((xs[5] - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn ticks_fall_inside_the_axis_and_are_round() {
        let axis = TimeAxis::new(&[0.0, 16.0], 0.0, 900.0);
        let ticks = axis.ticks();
        assert_eq!(ticks.first(), Some(&0.0));
        assert!(ticks.iter().all(|t| (0.0..=16.0).contains(t)));
        assert!(ticks.len() >= 4, "{ticks:?}");
    }
}
