"""Studies: vary one or two knobs over values x seeds; trials run through one executor interface
(a local process pool, or Ray), each a normal run in the store; results as mean ± sd of a robust
end-of-run score, the difference from the best with its 95% interval, and Welch's t-test against the
best, Holm-adjusted for the number of comparisons. One driver plans and runs every study, for the
command line and the window alike (:mod:`core.studies.driver`); a trial's result is a frozen
:class:`TrialOutcome`."""
from .batch import StudyBatch, build_batch
from .driver import Backend, Progress, StudyDriver, StudyRequest, plan_request
from .executors import Executor, ExecutorError, LocalExecutor, RayExecutor, make_executor, split_cores
from .knobs import KNOBS, Knob, KnobError, apply_setting, knob, parse_vary
from .preset import PRESETS, preset_studies
from .results import Row, StudyResult, summarize
from .words import sentence
from .outcome import TrialOutcome
from .study import Plan, StudyError, StudySpec, plan_study
from .task import run_study

__all__ = ["Backend", "Executor", "ExecutorError", "KNOBS", "Knob", "KnobError", "LocalExecutor", "PRESETS", "Plan",
           "Progress", "RayExecutor", "Row", "StudyBatch", "StudyDriver", "StudyError", "StudyRequest", "StudyResult",
           "StudySpec", "TrialOutcome", "apply_setting", "build_batch", "knob", "make_executor", "parse_vary",
           "plan_request", "plan_study", "preset_studies", "run_study", "sentence", "split_cores", "summarize"]
