use super::k;

type V = f32;
const N: usize = 1;

fn splat(v: f32) -> V {
    v
}
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "the signature every path shares (a vector load from an array)"
)]
fn load(s: &[f32; N]) -> V {
    s[0]
}
fn store(d: &mut [f32; N], v: V) {
    d[0] = v;
}
fn add(a: V, b: V) -> V {
    a + b
}
fn sub(a: V, b: V) -> V {
    a - b
}
fn mul(a: V, b: V) -> V {
    a * b
}
fn div(a: V, b: V) -> V {
    a / b
}
/// `a · b + c`, unfused: a CPU without vector FMA may have no fast fused one either.
fn mul_add(a: V, b: V, c: V) -> V {
    a * b + c
}
fn neg(a: V) -> V {
    -a
}
fn abs(a: V) -> V {
    a.abs()
}
fn min(a: V, b: V) -> V {
    if a < b { a } else { b }
}
fn max(a: V, b: V) -> V {
    if a > b { a } else { b }
}
fn round(a: V) -> V {
    a.round_ties_even()
}
fn lt(a: V, b: V) -> bool {
    a < b
}
fn select(m: bool, a: V, b: V) -> V {
    if m { a } else { b }
}
/// `|a|` with the sign of `s` (`a ≥ 0`).
fn copy_sign(a: V, s: V) -> V {
    a.copysign(s)
}
/// `2ⁿ` for an integral `n` in [−126, 127].
fn pow2i(n: V) -> V {
    f32::from_bits((((n as i32) + 127) as u32) << 23)
}

kernels!();
