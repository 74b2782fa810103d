use super::{Func, Isa, Unavailable, apply_in_place};

/// The f64 reference of `func` (libm; the sigmoid in its overflow-free form).
fn reference(func: Func, x: f32) -> f64 {
    let x = f64::from(x);
    match func {
        Func::Exp => x.exp(),
        Func::Tanh => x.tanh(),
        Func::Sigmoid => {
            let t = (-x.abs()).exp();
            if x < 0.0 {
                t / (1.0 + t)
            } else {
                1.0 / (1.0 + t)
            }
        }
    }
}

/// `|got − want|` in ulps of `want` rounded to f32 (2⁻¹⁴⁹ for subnormals); 0 when both are
/// the same infinity or both NaN, ∞ when only one of them is non-finite.
fn ulp_error(got: f32, want: f64) -> f64 {
    let want32 = want as f32;
    if want.is_nan() || got.is_nan() {
        return if want.is_nan() && got.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if got.is_infinite() || want32.is_infinite() {
        return if got == want32 { 0.0 } else { f64::INFINITY };
    }
    (f64::from(got) - want).abs() / ulp(want)
}

/// The spacing of f32 around `v` (its binade's ulp; 2⁻¹⁴⁹ below the normals).
fn ulp(v: f64) -> f64 {
    let e = if v == 0.0 {
        -126
    } else {
        (v.abs().log2().floor() as i32).max(-126)
    };
    2f64.powi(e - 23)
}

const BOUND: [(Func, f64); 3] = [(Func::Exp, 2.0), (Func::Tanh, 2.0), (Func::Sigmoid, 3.0)];

/// Runs `func` on `xs` on `isa` and returns the largest ulp error, with its input.
fn max_error(isa: Isa, func: Func, xs: &[f32]) -> (f64, f32) {
    let mut ys = xs.to_vec();
    apply_in_place(isa, func, &mut ys).expect("path available");
    let mut worst = (0.0, 0.0);
    for (&x, &y) in xs.iter().zip(&ys) {
        let e = ulp_error(y, reference(func, x));
        if e > worst.0 || e.is_nan() {
            worst = (e, x);
        }
    }
    worst
}

/// Every `stride`-th f32 of both signs from +0 to +∞ (bit patterns), and every one of the
/// ranges where the algorithms switch branch or the results leave the normals.
fn sweep(stride: u32) -> Vec<f32> {
    let mut xs = Vec::new();
    for bits in (0..=0x7f80_0000u32).step_by(stride as usize) {
        xs.push(f32::from_bits(bits));
        xs.push(-f32::from_bits(bits));
    }
    let mut dense = |lo: f32, hi: f32| {
        let mut v = lo;
        while v <= hi {
            xs.push(v);
            xs.push(-v);
            v = f32::from_bits(v.to_bits() + 3);
        }
    };
    dense(0.6, 0.65); // tanh: polynomial ↔ exponential form
    dense(86.0, 89.0); // exp: overflow; sigmoid / tanh: e^{-|x|} subnormal
    dense(103.0, 104.5); // exp: underflow to 0
    dense(8.9, 9.2); // tanh: rounds to ±1
    dense(1e-4, 1.5e-4);
    xs
}

#[test]
fn every_path_keeps_its_error_bound_over_the_f32_range() {
    let xs = sweep(997);
    assert!(xs.len() > 4_000_000);
    for isa in Isa::all_available() {
        for (func, bound) in BOUND {
            let (err, at) = max_error(isa, func, &xs);
            eprintln!("{isa:?} {func:?}: max {err:.3} ulp at x = {at:e}");
            assert!(
                err <= bound,
                "{isa:?} {func:?}: {err} ulp at x = {at:e} (bound {bound})"
            );
        }
    }
    assert!(Isa::all_available().contains(&Isa::Scalar));
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        assert!(Isa::all_available().contains(&Isa::Avx2));
    }
}

/// Every f32: `cargo test --release --lib fastmath -- --ignored` (a few minutes a path).
#[test]
#[ignore = "exhaustive: 2³² inputs per function and path"]
fn every_path_keeps_its_error_bound_on_every_f32() {
    for isa in Isa::all_available() {
        for (func, bound) in BOUND {
            let mut worst = (0.0, 0.0);
            for hi in 0..=u16::MAX {
                let xs: Vec<f32> = (0..=u16::MAX)
                    .map(|lo| f32::from_bits(u32::from(hi) << 16 | u32::from(lo)))
                    .collect();
                let w = max_error(isa, func, &xs);
                if w.0 > worst.0 {
                    worst = w;
                }
            }
            eprintln!(
                "{isa:?} {func:?}: max {:.3} ulp at x = {:e}",
                worst.0, worst.1
            );
            assert!(
                worst.0 <= bound,
                "{isa:?} {func:?}: {} ulp at x = {:e}",
                worst.0,
                worst.1
            );
        }
    }
}

#[test]
fn special_values_on_every_path() {
    let inf = f32::INFINITY;
    let nans = [
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7fc0_1234),
        f32::from_bits(0x7f80_0001),
    ];
    for isa in Isa::all_available() {
        let run = |func, x: f32| {
            let mut v = [x];
            apply_in_place(isa, func, &mut v).expect("available");
            v[0]
        };
        for x in nans {
            for func in [Func::Exp, Func::Tanh, Func::Sigmoid] {
                assert!(run(func, x).is_nan(), "{isa:?} {func:?}({x}) is NaN");
            }
        }
        assert_eq!(run(Func::Exp, inf), inf, "{isa:?}");
        assert_eq!(run(Func::Exp, -inf).to_bits(), 0, "{isa:?}");
        assert_eq!(run(Func::Exp, 89.0), inf, "{isa:?}");
        assert_eq!(run(Func::Exp, 0.0), 1.0, "{isa:?}");
        assert_eq!(run(Func::Exp, -0.0), 1.0, "{isa:?}");
        assert_eq!(run(Func::Exp, -1e-45), 1.0, "{isa:?}");
        assert_eq!(run(Func::Exp, -110.0).to_bits(), 0, "{isa:?}");
        assert!(
            run(Func::Exp, -100.0) > 0.0,
            "{isa:?}: e^-100 is a subnormal, not 0"
        );
        assert_eq!(run(Func::Tanh, inf), 1.0, "{isa:?}");
        assert_eq!(run(Func::Tanh, -inf), -1.0, "{isa:?}");
        assert_eq!(run(Func::Tanh, 20.0), 1.0, "{isa:?}");
        assert_eq!(run(Func::Tanh, 0.0).to_bits(), 0.0f32.to_bits(), "{isa:?}");
        assert_eq!(
            run(Func::Tanh, -0.0).to_bits(),
            (-0.0f32).to_bits(),
            "{isa:?}"
        );
        for tiny in [1e-45f32, 1e-40, 1e-30, 1e-10, 1e-5] {
            assert_eq!(run(Func::Tanh, tiny), tiny, "{isa:?}: tanh x = x");
            assert_eq!(run(Func::Tanh, -tiny), -tiny, "{isa:?}");
        }
        assert_eq!(run(Func::Sigmoid, inf), 1.0, "{isa:?}");
        assert_eq!(run(Func::Sigmoid, -inf).to_bits(), 0, "{isa:?}");
        assert_eq!(run(Func::Sigmoid, 0.0), 0.5, "{isa:?}");
        assert_eq!(run(Func::Sigmoid, -0.0), 0.5, "{isa:?}");
        assert_eq!(run(Func::Sigmoid, 30.0), 1.0, "{isa:?}");
        assert!(
            run(Func::Sigmoid, -100.0) > 0.0,
            "{isa:?}: σ(-100) is a subnormal"
        );
        assert_eq!(run(Func::Sigmoid, -120.0).to_bits(), 0, "{isa:?}");
    }
}

/// Slices of every length up to three vectors and a bit: the tail goes through the padded
/// buffer and must give what the same values give one at a time; nothing outside the
/// slice is touched.
#[test]
fn every_length_and_offset_matches_one_at_a_time() {
    let src: Vec<f32> = (0..53).map(|i| (i as f32 - 26.0) * 0.37).collect();
    for isa in Isa::all_available() {
        for func in [Func::Exp, Func::Tanh, Func::Sigmoid] {
            let one: Vec<f32> = src
                .iter()
                .map(|&x| {
                    let mut v = [x];
                    apply_in_place(isa, func, &mut v).expect("available");
                    v[0]
                })
                .collect();
            for start in [0, 1, 3] {
                for len in 0..(src.len() - start - 1) {
                    let mut buf = src.clone();
                    apply_in_place(isa, func, &mut buf[start..start + len]).expect("available");
                    assert_eq!(&buf[..start], &src[..start]);
                    assert_eq!(
                        &buf[start..start + len],
                        &one[start..start + len],
                        "{isa:?} {func:?} {start} {len}"
                    );
                    assert_eq!(&buf[start + len..], &src[start + len..]);
                }
            }
        }
    }
}

#[test]
fn an_unavailable_path_is_an_error_not_a_crash() {
    for isa in [Isa::Avx512, Isa::Avx2, Isa::Scalar] {
        let mut v = [0.25f32; 3];
        match apply_in_place(isa, Func::Tanh, &mut v) {
            Ok(()) => assert!(isa.is_available() && (v[0] - 0.25f32.tanh()).abs() < 1e-7),
            Err(e) => {
                assert_eq!(e, Unavailable(isa));
                assert!(!isa.is_available() && v == [0.25; 3]);
                assert!(e.to_string().contains(&format!("{isa:?}")));
            }
        }
    }
    assert!(Isa::detected().is_available());
}
