//! A fuzz harness for Warden's JWT parser and verifier that runs on stable
//! Rust, with no instrumentation: seeded random inputs from a corpus of valid
//! tokens for every algorithm (padded and unpadded), structure-aware
//! mutations, hand-written JSON edge cases, and an oracle
//! ([`oracle`]) that says for each input whether it must verify.
//!
//! ```text
//! cargo run --release -p warden-fuzz -- --inputs 1000000 --seed 7
//! ```
//!
//! Each input checks: no panic (caught, reported with the input in hex,
//! exit 1); the verifier accepts exactly what the oracle accepts, with the
//! same header and payload; an error's text never contains the input; a
//! verifier with the token cache answers the same twice. See FUZZING.md.

mod edge;
mod keys;
mod mutate;
mod oracle;
mod rng;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::json;
use warden::jwt::{Family, Jwt, JwtError, Verifier};

use edge::Flaw;
use keys::{AUDIENCE, Fixture, ISSUER, NOW, SignerId, TYP};
use oracle::{Anchor, Expect, canonical_pad};
use rng::Rng;

const USAGE: &str = "usage: warden-fuzz [--inputs N] [--seed N] [--start INDEX]

  --inputs N     how many inputs to run (default 100000)
  --seed N       the seed every input derives from (default 1)
  --start INDEX  the index of the first input (replays one: --start I --inputs 1)";

/// Flama's own padded HS256 token, signed with its demo secret.
const FLAMA_TOKEN: &str = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==.J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg=";

struct Args {
    inputs: u64,
    seed: u64,
    start: u64,
}

fn args() -> Result<Args, String> {
    let mut args = Args { inputs: 100_000, seed: 1, start: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--inputs" => &mut args.inputs,
            "--seed" => &mut args.seed,
            "--start" => &mut args.start,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        };
        let value = it.next().ok_or_else(|| format!("`{flag}` needs a number"))?;
        *slot = value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`{flag} {value}`: not a number"))?;
    }
    Ok(args)
}

/// A valid token and the verifier it was made for.
struct Entry {
    anchor: Anchor,
    token: String,
    subject: usize,
}

struct Corpus {
    entries: Vec<Entry>,
    /// Entry indices by signing input.
    by_message: HashMap<String, Vec<usize>>,
    hmac: Vec<usize>,
    asymmetric: Vec<usize>,
}

impl Corpus {
    /// For every verifier, each key and algorithm it serves: tokens with and
    /// without time claims, unpadded and padded as Flama pads (every
    /// segment, the padded text signed); plus Flama's own token.
    fn new(fx: &Fixture) -> Corpus {
        let mut entries = Vec::new();
        for (index, subject) in fx.subjects.iter().enumerate() {
            for key in &subject.keys {
                for &alg in key.serves.iter().filter(|a| subject.allowed.contains(a)) {
                    for (timed, padded) in
                        [(false, false), (false, true), (true, false), (true, true)]
                    {
                        let mut header = json!({"alg": alg.as_str(), "typ": "JWT"});
                        let mut claims = json!({"sub": "ada", "data": {"permissions": ["read"]}});
                        if let Some(kid) = key.kid {
                            header["kid"] = json!(kid);
                        }
                        if timed {
                            claims["iat"] = json!(NOW - 10);
                            claims["exp"] = json!(NOW + 3600);
                        }
                        if subject.strict {
                            header["typ"] = json!(TYP);
                            claims["iss"] = json!(ISSUER);
                            claims["aud"] = json!(AUDIENCE);
                            claims["exp"] = json!(NOW + 3600);
                        }
                        let engine = if padded { URL_SAFE } else { URL_SAFE_NO_PAD };
                        let message = format!(
                            "{}.{}",
                            engine.encode(header.to_string()),
                            engine.encode(claims.to_string())
                        );
                        let anchor = Anchor::sign(&fx.signers, key.signer, alg, message)
                            .expect("a corpus key signs its algorithms");
                        let token = anchor.token(if padded { 3 } else { 0 });
                        entries.push(Entry { anchor, token, subject: index });
                    }
                }
            }
        }
        let (message, sig) = FLAMA_TOKEN.rsplit_once('.').expect("three segments");
        entries.push(Entry {
            anchor: Anchor {
                message: message.to_owned(),
                sig_core: sig.trim_end_matches('=').to_owned(),
                signer: SignerId::FlamaHmac,
                alg: warden::jwt::Algorithm::HS256,
            },
            token: FLAMA_TOKEN.to_owned(),
            subject: fx.subject("flama"),
        });
        let mut by_message: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_message.entry(e.anchor.message.clone()).or_default().push(i);
        }
        let (hmac, asymmetric) =
            (0..entries.len()).partition(|&i| entries[i].anchor.alg.family() == Family::Hmac);
        Corpus { entries, by_message, hmac, asymmetric }
    }

    fn donors(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.token.as_str()).collect()
    }
}

/// One input: the text, the verifier it goes to, and the last token signed
/// on its way (if any).
struct Case {
    text: String,
    subject: usize,
    anchor: Option<Anchor>,
    resigned: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    Hmac,
    Asymmetric,
    Json,
}

impl Category {
    const ALL: [Category; 3] = [Category::Hmac, Category::Asymmetric, Category::Json];

    fn name(self) -> &'static str {
        match self {
            Category::Hmac => "hmac",
            Category::Asymmetric => "asymmetric",
            Category::Json => "json",
        }
    }
}

/// A corpus token of `pool`, mutated one to four times, sometimes
/// re-signed; checked by its own verifier, sometimes by another.
fn mutated(rng: &mut Rng, fx: &Fixture, corpus: &Corpus, donors: &[&str], pool: &[usize]) -> Case {
    let entry = &corpus.entries[rng.one_of(pool)];
    let home = &fx.subjects[entry.subject];
    let mut anchor = entry.anchor.clone();
    let mut text = entry.token.clone();
    let mut resigned = false;
    // Re-signing with RSA costs a millisecond: rarely.
    let resign_percent = match anchor.alg.family() {
        Family::Rsa => 3,
        Family::Hmac => 15,
        _ => 10,
    };
    let steps = if rng.chance(65) { 1 } else { rng.range(2, 4) };
    for _ in 0..steps {
        if rng.chance(resign_percent)
            && let Some((t, a)) = mutate::resign(rng, fx, home, &text, &anchor)
        {
            (text, anchor, resigned) = (t, a, true);
        } else {
            text = mutate::text(rng, &text, donors);
        }
    }
    let subject = if rng.chance(85) { entry.subject } else { rng.below(fx.subjects.len()) };
    Case { text, subject, anchor: Some(anchor), resigned }
}

/// Hand-written header and payload JSON with at most one flaw, signed (by
/// the right key, mostly), sometimes mutated after; or text nobody signed.
/// The RSA verifiers get fewer of them: RSA signing costs a millisecond.
fn generated(rng: &mut Rng, fx: &Fixture, donors: &[&str]) -> Case {
    const WEIGHTS: [(&str, usize); 8] = [
        ("hmac", 4),
        ("flama", 1),
        ("rsa", 1),
        ("p256", 2),
        ("p384", 1),
        ("ed25519", 2),
        ("mixed", 2),
        ("strict", 4),
    ];
    let mut roll = rng.below(WEIGHTS.iter().map(|w| w.1).sum());
    let (name, _) = WEIGHTS
        .iter()
        .find(|w| {
            roll < w.1 || {
                roll -= w.1;
                false
            }
        })
        .unwrap();
    let subject_index = fx.subject(name);
    if rng.chance(5) {
        let text = edge::garbage(rng);
        return Case { text, subject: subject_index, anchor: None, resigned: false };
    }
    let subject = &fx.subjects[subject_index];
    let (signer, alg, kid) = edge::signer(rng, subject);
    let flaw = Flaw::pick(rng);
    let header = edge::header(rng, alg, kid, flaw, subject.strict);
    let payload = edge::payload(rng, flaw, subject.strict);
    let message = format!("{}.{}", edge::encode(rng, &header), edge::encode(rng, &payload));
    let anchor = Anchor::sign(&fx.signers, signer, alg, message).expect("the signer serves alg");
    let pad = match rng.below(4) {
        0 => canonical_pad(anchor.sig_core.len()),
        1 => 1,
        _ => 0,
    };
    let mut text = anchor.token(pad);
    if rng.chance(15) {
        text = mutate::text(rng, &text, donors);
    }
    Case { text, subject: subject_index, anchor: Some(anchor), resigned: true }
}

/// What the verifier must answer: the oracle's word when the text is a
/// spelling of a token signed here, else a refusal.
fn expectation(fx: &Fixture, corpus: &Corpus, case: &Case) -> Expect {
    let subject = &fx.subjects[case.subject];
    if let Some(anchor) = &case.anchor
        && anchor.spells(&case.text)
    {
        return oracle::expect(&case.text, anchor, subject);
    }
    if let Some((message, _)) = case.text.rsplit_once('.')
        && let Some(ids) = corpus.by_message.get(message)
        && let Some(&id) = ids.iter().find(|&&id| corpus.entries[id].anchor.spells(&case.text))
    {
        return oracle::expect(&case.text, &corpus.entries[id].anchor, subject);
    }
    Expect::Refuse
}

thread_local! {
    static IN_TARGET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics inside Warden are recorded for the report, not printed; a panic
/// of the harness itself prints as usual.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if IN_TARGET.get() {
            LAST_PANIC.set(Some(info.to_string()));
        } else {
            default(info);
        }
    }));
}

type Answer = Result<Arc<Jwt>, JwtError>;

fn call(verifier: &Verifier, token: &str) -> Result<Answer, Failure> {
    IN_TARGET.set(true);
    let answer = catch_unwind(AssertUnwindSafe(|| verifier.verify_at(token, NOW)));
    IN_TARGET.set(false);
    answer.map_err(|_| Failure::Panic(LAST_PANIC.take().unwrap_or_default()))
}

enum Failure {
    Panic(String),
    WronglyAccepted,
    WronglyRefused(JwtError),
    WrongContent(String),
    ErrorEchoesInput(JwtError),
    CacheDisagrees(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Panic(message) => format!("panic: {message}"),
            Failure::WronglyAccepted => "accepted, but must be refused".into(),
            Failure::WronglyRefused(e) => format!("refused ({}), but must verify", e.reason()),
            Failure::WrongContent(what) => format!("accepted with the wrong content: {what}"),
            Failure::ErrorEchoesInput(e) => format!("error text contains the input: {e}"),
            Failure::CacheDisagrees(what) => {
                format!("the cached verifier answered differently: {what}")
            }
        }
    }
}

/// Whether the error's texts contain the token or one of its segments (16
/// characters or more, so that words of the fixed texts do not count).
fn echoes(err: &JwtError, token: &str) -> bool {
    let texts = [err.description().to_owned(), err.to_string()];
    let pieces: Vec<&str> = token.split('.').chain([token]).filter(|p| p.len() >= 16).collect();
    texts.iter().any(|t| pieces.iter().any(|p| t.contains(p)))
}

/// Verifies `case` and checks the answer; the error if refused.
fn run(fx: &Fixture, case: &Case, expect: &Expect) -> Result<Option<JwtError>, Failure> {
    let subject = &fx.subjects[case.subject];
    let answer = call(&subject.verifier, &case.text)?;
    if subject.cached {
        let again = call(&subject.verifier, &case.text)?;
        let same = match (&answer, &again) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !same {
            return Err(Failure::CacheDisagrees(format!("{answer:?} then {again:?}")));
        }
    }
    match (answer, expect) {
        (Ok(jwt), Expect::Accept { header, payload, alg }) => {
            if jwt.header() != header || jwt.payload() != payload || jwt.algorithm() != *alg {
                return Err(Failure::WrongContent(format!("{jwt:?}")));
            }
            Ok(None)
        }
        (Ok(_), Expect::Refuse) => Err(Failure::WronglyAccepted),
        (Err(e), _) if echoes(&e, &case.text) => Err(Failure::ErrorEchoesInput(e)),
        (Err(e), Expect::Accept { .. }) => Err(Failure::WronglyRefused(e)),
        (Err(e), Expect::Refuse) => Ok(Some(e)),
    }
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    resigned: u64,
    seconds: f64,
}

fn report_failure(
    args: &Args,
    index: u64,
    category: &str,
    fx: &Fixture,
    case: &Case,
    failure: &Failure,
) {
    let subject = fx.subjects[case.subject].name;
    println!("FAILURE at input {index} (seed {}, {category}, verifier `{subject}`)", args.seed);
    println!("  {}", failure.describe());
    println!("  input ({} bytes): {:?}", case.text.len(), case.text);
    let hex: String = case.text.bytes().map(|b| format!("{b:02x}")).collect();
    println!("  hex: {hex}");
    if let Some(anchor) = &case.anchor {
        println!(
            "  last token signed here: {:?} ({} by {:?})",
            anchor.token(0),
            anchor.alg,
            anchor.signer
        );
    }
    println!(
        "  replay: cargo run --release -p warden-fuzz -- --seed {} --start {index} --inputs 1",
        args.seed
    );
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("warden-fuzz: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    install_panic_hook();
    let started = Instant::now();
    let fx = Fixture::new();
    let corpus = Corpus::new(&fx);
    let donors = corpus.donors();

    // Every corpus token against every verifier, before any mutation.
    let mut checked = 0;
    for (i, entry) in corpus.entries.iter().enumerate() {
        for subject in 0..fx.subjects.len() {
            let case = Case {
                text: entry.token.clone(),
                subject,
                anchor: Some(entry.anchor.clone()),
                resigned: false,
            };
            let expect = expectation(&fx, &corpus, &case);
            if subject == entry.subject && !matches!(expect, Expect::Accept { .. }) {
                println!("harness bug: corpus token {i} is not valid for its own verifier");
                return ExitCode::from(2);
            }
            if let Err(failure) = run(&fx, &case, &expect) {
                report_failure(&args, i as u64, "corpus", &fx, &case, &failure);
                println!(
                    "fuzz: 0 inputs, {} panics",
                    u8::from(matches!(failure, Failure::Panic(_)))
                );
                return ExitCode::FAILURE;
            }
            checked += 1;
        }
    }
    println!(
        "warden-fuzz: seed {}, inputs {}..{}; corpus of {} tokens checked against {} verifiers ({checked} checks)",
        args.seed,
        args.start,
        args.start + args.inputs,
        corpus.entries.len(),
        fx.subjects.len(),
    );

    let mut tallies: BTreeMap<Category, Tally> = BTreeMap::new();
    let mut reasons: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut per_subject = vec![0_u64; fx.subjects.len()];
    let fuzz_started = Instant::now();
    let mut run_count = 0;
    for index in args.start..args.start + args.inputs {
        let input_started = Instant::now();
        let mut rng = Rng::for_input(args.seed, index);
        let category = match rng.below(100) {
            0..40 => Category::Hmac,
            40..70 => Category::Asymmetric,
            _ => Category::Json,
        };
        let case = match category {
            Category::Hmac => mutated(&mut rng, &fx, &corpus, &donors, &corpus.hmac),
            Category::Asymmetric => mutated(&mut rng, &fx, &corpus, &donors, &corpus.asymmetric),
            Category::Json => generated(&mut rng, &fx, &donors),
        };
        let expect = expectation(&fx, &corpus, &case);
        let outcome = run(&fx, &case, &expect);
        run_count += 1;
        let tally = tallies.entry(category).or_default();
        tally.inputs += 1;
        tally.resigned += u64::from(case.resigned);
        tally.seconds += input_started.elapsed().as_secs_f64();
        per_subject[case.subject] += 1;
        match outcome {
            Ok(None) => tally.accepted += 1,
            Ok(Some(e)) => *reasons.entry(e.reason()).or_default() += 1,
            Err(failure) => {
                report_failure(&args, index, category.name(), &fx, &case, &failure);
                let panics = u8::from(matches!(failure, Failure::Panic(_)));
                println!("fuzz: {run_count} inputs, {panics} panics, 1 failure");
                return ExitCode::FAILURE;
            }
        }
    }
    let fuzz_time = fuzz_started.elapsed().as_secs_f64();

    println!(
        "{:<11} {:>9} {:>9} {:>9} {:>9}",
        "category", "inputs", "accepted", "refused", "signed"
    );
    for category in Category::ALL {
        let t = tallies.remove(&category).unwrap_or_default();
        println!(
            "{:<11} {:>9} {:>9} {:>9} {:>9} {:>8.1}",
            category.name(),
            t.inputs,
            t.accepted,
            t.inputs - t.accepted,
            t.resigned,
            t.seconds
        );
    }
    let by_subject: Vec<String> =
        fx.subjects.iter().zip(&per_subject).map(|(s, n)| format!("{} {n}", s.name)).collect();
    println!("verifiers: {}", by_subject.join(", "));
    let by_reason: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
    println!("refusals: {}", by_reason.join(", "));
    println!(
        "time: {fuzz_time:.1} s fuzzing ({:.0} inputs/s), {:.1} s in all",
        run_count as f64 / fuzz_time.max(1e-9),
        started.elapsed().as_secs_f64()
    );
    println!("fuzz: {run_count} inputs, 0 panics");
    ExitCode::SUCCESS
}
