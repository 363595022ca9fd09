//! What every flow's write steps share: why a step stopped, and how a platform's refusal
//! becomes an outcome that needs a person instead of a retry.

use crate::jobs::JobError;
use crate::matcher::Outcome;
use crate::remote::ClientError;

/// Why a write step stopped: the platform's answer, or a failure of leafbridge's own store.
pub(crate) enum StepError {
    Platform(ClientError),
    Job(JobError),
}

impl From<ClientError> for StepError {
    fn from(error: ClientError) -> Self {
        Self::Platform(error)
    }
}

impl From<JobError> for StepError {
    fn from(error: JobError) -> Self {
        Self::Job(error)
    }
}

/// A platform's 400 on a write means the data is wrong: `needs_attention` with its message.
/// Anything else is the job layer's business (retry or dead).
pub(crate) fn refused(error: StepError) -> Result<Outcome, JobError> {
    match error {
        StepError::Platform(ClientError::BadRequest { message, .. }) => Ok(Outcome::attention(
            format!("the platform refused the write: {message}"),
        )),
        StepError::Platform(other) => Err(other.into()),
        StepError::Job(error) => Err(error),
    }
}
