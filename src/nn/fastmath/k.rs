/// Inputs are clamped to `[EXP_LO, EXP_HI]`: e^−104 rounds to 0, e^89 overflows.
pub const EXP_LO: f32 = -104.0;
pub const EXP_HI: f32 = 89.0;
pub const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 = `LN2_HI + LN2_LO`; `LN2_HI = 355 / 512` has 9 significant bits, so `n · LN2_HI`
/// is exact for every `|n| ≤ 150`.
pub const LN2_HI: f32 = 0.693_359_4;
pub const LN2_LO: f32 = -2.121_944_4e-4;
/// `q(r) ≈ (eʳ − 1 − r) / r²` on `|r| ≤ ln 2 / 2`, constant term first.
pub const EXP_Q: [f32; 5] = [
    0.5,
    0.166_665_78,
    0.041_666_556,
    0.008_363_173,
    0.001_392_617_6,
];
/// Below this `|x|`, tanh is the odd polynomial.
pub const TANH_SMALL: f32 = 0.625;
/// `P(y) ≈ (tanh x − x) / x³` with `y = x²` on `|x| < 0.625`, constant term first.
pub const TANH_P: [f32; 6] = [
    -0.333_333_34,
    0.133_333_04,
    -0.053_959_258,
    0.021_768_918,
    -0.008_343_945,
    0.002_292_745,
];
