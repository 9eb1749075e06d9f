"""Studies: vary one or two knobs over values x seeds; trials run through one executor interface
(a local process pool, or Ray), each a normal run in the store; results as mean ± sd with Welch's
t-test against the best setting."""
from .executors import Executor, ExecutorError, LocalExecutor, RayExecutor, make_executor, split_cores
from .knobs import KNOBS, Knob, KnobError, apply_setting, knob, parse_vary
from .preset import PRESETS, preset_studies
from .results import Row, StudyResult, sentence, summarize
from .study import Plan, Progress, StudyError, StudyRunner, StudySpec, plan_study
from .task import run_study

__all__ = ["Executor", "ExecutorError", "KNOBS", "Knob", "KnobError", "LocalExecutor", "PRESETS", "Plan", "Progress",
           "RayExecutor", "Row", "StudyError", "StudyResult", "StudyRunner", "StudySpec", "apply_setting", "knob",
           "make_executor", "parse_vary", "plan_study", "preset_studies", "run_study", "sentence", "split_cores",
           "summarize"]
