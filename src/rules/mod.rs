//! Stage 3: the rule pack and its evaluation.
