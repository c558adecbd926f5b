-- Patterns that name the model a GPU process serves or trains, from its command line (vLLM
-- `--model org/name`, TGI `--model-id`, `--served-model-name`, …). Loaded from
-- [attribution] process_model_patterns at every refresh; the first pattern that matches wins and
-- its first capture group is the model.
CREATE TABLE process_model_patterns (
    pattern_order   INTEGER NOT NULL,
    pattern         VARCHAR NOT NULL
);

