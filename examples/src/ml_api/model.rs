//! The iris classifier: a multinomial logistic regression (`linfa-logistic`)
//! trained at start-up on the 150 iris samples that `linfa-datasets` compiles
//! into the binary, so nothing is read or downloaded at run time. Training
//! starts from zero weights and runs a deterministic L-BFGS, so every start
//! yields the same model.

use std::collections::BTreeMap;

use linfa::traits::Fit;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{ArrayView1, arr2};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The model's name.
pub const NAME: &str = "iris";
/// The model's version; bump it when the training recipe changes.
pub const VERSION: &str = "1.0.0";
/// What the model is.
pub const ALGORITHM: &str = "multinomial logistic regression (L2, L-BFGS)";
/// The measurements a prediction takes, in this order, in centimetres.
pub const FEATURES: [&str; 4] = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
/// The species the model tells apart, in the order of the data's labels.
pub const CLASSES: [&str; 3] = ["setosa", "versicolor", "virginica"];
/// The largest measurement accepted, in centimetres. Real irises stay under
/// 10; the bound refuses what cannot be a flower and keeps the model's linear
/// scores far from overflowing.
pub const MAX_MEASUREMENT: f64 = 1000.0;

/// L-BFGS iterations; the fit converges well before this on iris.
const MAX_ITERATIONS: u64 = 500;

/// What the model is and how well it fits its training data.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ModelInfo {
    /// Always `iris`.
    pub name: &'static str,
    /// The training recipe's version.
    pub version: &'static str,
    /// The kind of model.
    pub algorithm: &'static str,
    /// The measurements a prediction takes, in order.
    pub features: [&'static str; 4],
    /// The classes a prediction chooses from.
    pub classes: [&'static str; 3],
    /// How many samples the model was trained on.
    pub training_samples: usize,
    /// The share of training samples the model classifies right, in [0, 1].
    pub training_accuracy: f64,
}

/// One flower's measurements, as a request body.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PredictRequest {
    /// `sepal_length`, `sepal_width`, `petal_length`, `petal_width`, in
    /// centimetres, each finite and in [0, 1000].
    #[schemars(length(min = 4, max = 4))]
    pub features: Vec<f64>,
}

/// The model's answer for one flower.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Prediction {
    /// The most probable class.
    pub class: &'static str,
    /// Every class with its probability; they sum to 1.
    pub probabilities: BTreeMap<&'static str, f64>,
}

/// Measurements the model refuses. Each error names the offending field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InputError {
    /// Not exactly four values.
    #[error(
        "`features` must hold exactly {} values ({}), got {got}",
        FEATURES.len(),
        FEATURES.join(", ")
    )]
    WrongCount {
        /// How many values were given.
        got: usize,
    },
    /// NaN or an infinity.
    #[error("`{field}` must be a finite number")]
    NotFinite {
        /// The measurement's name.
        field: &'static str,
    },
    /// Below zero.
    #[error("`{field}` must not be negative")]
    Negative {
        /// The measurement's name.
        field: &'static str,
    },
    /// Above [`MAX_MEASUREMENT`].
    #[error("`{field}` must be at most {MAX_MEASUREMENT} (centimetres)")]
    TooLarge {
        /// The measurement's name.
        field: &'static str,
    },
}

impl InputError {
    /// The name of the offending field: `features` or a measurement's name.
    pub fn field(&self) -> &'static str {
        match self {
            InputError::WrongCount { .. } => "features",
            InputError::NotFinite { field }
            | InputError::Negative { field }
            | InputError::TooLarge { field } => field,
        }
    }
}

/// Why training failed. None of these happens with the shipped data; they
/// exist so that start-up reports a broken dependency instead of panicking.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The bundled data does not have the iris shape.
    #[error("iris data: {0}")]
    Data(String),
    /// The solver failed.
    #[error("training the iris model: {0}")]
    Fit(#[from] linfa_logistic::error::Error),
    /// The solver returned weights that are not all finite.
    #[error("training the iris model produced non-finite weights")]
    NotFinite,
}

/// The trained classifier and its metadata. Cheap to share behind an `Arc`;
/// predicting takes `&self` and no lock.
#[derive(Debug)]
pub struct IrisModel {
    fitted: MultiFittedLogisticRegression<f64, usize>,
    info: ModelInfo,
}

impl IrisModel {
    /// Trains on the bundled iris data (a few milliseconds in release
    /// builds) and measures the training accuracy.
    pub fn train() -> Result<IrisModel, ModelError> {
        let dataset = linfa_datasets::iris();
        let (samples, width) = dataset.records().dim();
        if width != FEATURES.len() || samples == 0 {
            return Err(ModelError::Data(format!("expected 4 features, got {samples}×{width}")));
        }
        if let Some(label) = dataset.targets().iter().find(|&&label| label >= CLASSES.len()) {
            return Err(ModelError::Data(format!("unknown label {label}")));
        }

        let fitted =
            MultiLogisticRegression::default().max_iterations(MAX_ITERATIONS).fit(&dataset)?;
        if fitted.classes() != [0, 1, 2] {
            return Err(ModelError::Data("expected the labels 0, 1 and 2".to_owned()));
        }
        if !fitted.params().iter().chain(fitted.intercept()).all(|w| w.is_finite()) {
            return Err(ModelError::NotFinite);
        }

        let probabilities = fitted.predict_probabilities(dataset.records());
        let right = probabilities
            .rows()
            .into_iter()
            .zip(dataset.targets())
            .filter(|(row, label)| most_probable(*row) == **label)
            .count();
        // Both counts are at most 150, exactly representable as f64.
        #[allow(clippy::cast_precision_loss)]
        let training_accuracy = right as f64 / samples as f64;

        let info = ModelInfo {
            name: NAME,
            version: VERSION,
            algorithm: ALGORITHM,
            features: FEATURES,
            classes: CLASSES,
            training_samples: samples,
            training_accuracy,
        };
        Ok(IrisModel { fitted, info })
    }

    /// The model's metadata.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Classifies one flower from its four measurements, in the order of
    /// [`FEATURES`]. Checks the input first, so no value can make it panic.
    pub fn predict(&self, features: &[f64]) -> Result<Prediction, InputError> {
        let row = validate(features)?;
        // A 1×4 row against the 4×3 weights: `validate` lets no other shape
        // through, so the product cannot mismatch.
        let probabilities = self.fitted.predict_probabilities(&arr2(&[row]));
        let row = probabilities.row(0);
        let class = CLASSES.get(most_probable(row)).copied().unwrap_or(CLASSES[0]);
        let probabilities = CLASSES.iter().copied().zip(row.iter().copied()).collect();
        Ok(Prediction { class, probabilities })
    }
}

/// Checks count, finiteness and range, naming the first bad field.
fn validate(features: &[f64]) -> Result<[f64; 4], InputError> {
    let row: [f64; 4] =
        features.try_into().map_err(|_| InputError::WrongCount { got: features.len() })?;
    for (&value, field) in row.iter().zip(FEATURES) {
        if !value.is_finite() {
            return Err(InputError::NotFinite { field });
        }
        if value < 0.0 {
            return Err(InputError::Negative { field });
        }
        if value > MAX_MEASUREMENT {
            return Err(InputError::TooLarge { field });
        }
    }
    Ok(row)
}

/// The index of the largest probability (the first one on ties).
fn most_probable(row: ArrayView1<'_, f64>) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (i, &p)| if p > best.1 { (i, p) } else { best })
        .0
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    /// Trained once for all tests.
    static MODEL: LazyLock<IrisModel> = LazyLock::new(|| IrisModel::train().unwrap());

    #[test]
    fn metadata_describes_the_model() {
        let info = MODEL.info();
        assert_eq!(info.name, "iris");
        assert_eq!(info.features, ["sepal_length", "sepal_width", "petal_length", "petal_width"]);
        assert_eq!(info.classes, ["setosa", "versicolor", "virginica"]);
        assert_eq!(info.training_samples, 150);
        assert!(info.training_accuracy > 0.9, "accuracy {}", info.training_accuracy);
        assert!(info.training_accuracy <= 1.0);
    }

    #[test]
    fn training_is_deterministic() {
        let again = IrisModel::train().unwrap();
        assert_eq!(again.info(), MODEL.info());
        assert_eq!(again.fitted, MODEL.fitted);
    }

    #[test]
    fn classifies_the_textbook_samples() {
        let setosa = MODEL.predict(&[5.1, 3.5, 1.4, 0.2]).unwrap();
        assert_eq!(setosa.class, "setosa");
        let virginica = MODEL.predict(&[6.7, 3.0, 5.2, 2.3]).unwrap();
        assert_eq!(virginica.class, "virginica");
        let versicolor = MODEL.predict(&[5.9, 2.8, 4.3, 1.3]).unwrap();
        assert_eq!(versicolor.class, "versicolor");
    }

    #[test]
    fn probabilities_cover_every_class_and_sum_to_one() {
        let prediction = MODEL.predict(&[5.1, 3.5, 1.4, 0.2]).unwrap();
        let keys: Vec<_> = prediction.probabilities.keys().copied().collect();
        assert_eq!(keys, CLASSES);
        let sum: f64 = prediction.probabilities.values().sum();
        assert!((sum - 1.0).abs() < 1e-9, "sum {sum}");
        assert!(prediction.probabilities.values().all(|p| (0.0..=1.0).contains(p)));
        let best = prediction.probabilities.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
        assert_eq!(*best.0, prediction.class);
    }

    #[test]
    fn bad_input_names_the_field() {
        let cases: [(&[f64], InputError); 7] = [
            (&[], InputError::WrongCount { got: 0 }),
            (&[1.0, 2.0, 3.0], InputError::WrongCount { got: 3 }),
            (&[1.0; 5], InputError::WrongCount { got: 5 }),
            (&[f64::NAN, 1.0, 1.0, 1.0], InputError::NotFinite { field: "sepal_length" }),
            (&[1.0, 1.0, f64::INFINITY, 1.0], InputError::NotFinite { field: "petal_length" }),
            (&[1.0, -0.1, 1.0, 1.0], InputError::Negative { field: "sepal_width" }),
            (&[1.0, 1.0, 1.0, 1e300], InputError::TooLarge { field: "petal_width" }),
        ];
        for (input, expected) in cases {
            let err = MODEL.predict(input).unwrap_err();
            assert_eq!(err, expected);
            assert!(err.to_string().contains(err.field()), "{err}");
        }
        assert_eq!(
            InputError::WrongCount { got: 3 }.to_string(),
            "`features` must hold exactly 4 values \
             (sepal_length, sepal_width, petal_length, petal_width), got 3"
        );
    }

    #[test]
    fn extreme_but_valid_input_gives_finite_probabilities() {
        for input in
            [[0.0; 4], [MAX_MEASUREMENT; 4], [-0.0, 0.0, MAX_MEASUREMENT, f64::MIN_POSITIVE]]
        {
            let prediction = MODEL.predict(&input).unwrap();
            let sum: f64 = prediction.probabilities.values().sum();
            assert!((sum - 1.0).abs() < 1e-9, "{input:?}: {prediction:?}");
        }
    }

    #[test]
    fn bodies_serialize_as_documented() {
        let prediction = MODEL.predict(&[5.1, 3.5, 1.4, 0.2]).unwrap();
        let json = serde_json::to_value(&prediction).unwrap();
        assert_eq!(json["class"], "setosa");
        assert!(json["probabilities"]["virginica"].is_f64());

        let json = serde_json::to_value(MODEL.info()).unwrap();
        assert_eq!(json["name"], "iris");
        assert_eq!(json["features"][3], "petal_width");
        assert!(json["training_accuracy"].is_f64());

        let schema = schemars::schema_for!(Prediction);
        assert!(schema.as_value()["properties"]["probabilities"].is_object());
        let schema = schemars::schema_for!(PredictRequest);
        assert_eq!(schema.as_value()["properties"]["features"]["minItems"], 4);
    }
}
