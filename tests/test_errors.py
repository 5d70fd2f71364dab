"""One base error for the project, specific kinds, caught once at each edge (bugs are not dressed up)."""
import pytest

from assistant.batch.answers import BatchPathError
from assistant.runtime.model_files import ModelError
from errors import Cancelled, RagError
from index.__main__ import main as index_main
from index.embedders import EmbedderError
from index.loaders import DocumentError
from index.store import CorruptIndex, DocumentNotFound, IndexLocked, IndexNotFound, IndexStoreError
from questions import EmptyQuestion, QuestionError, QuestionFileError, QuestionTooLong, check_question
from retriever.hybrid import StaleIndex
from webapp.state import DuplicateDocument, NotReady


@pytest.mark.parametrize("kind", [IndexStoreError, IndexNotFound, CorruptIndex, IndexLocked, DocumentNotFound,
                                  StaleIndex, DocumentError, DuplicateDocument, EmbedderError, ModelError,
                                  QuestionError, QuestionFileError, BatchPathError, NotReady, Cancelled])
def test_every_project_error_is_a_rag_error(kind):
    assert issubclass(kind, RagError)


def test_question_errors_by_kind():
    with pytest.raises(EmptyQuestion):
        check_question("   ")
    with pytest.raises(QuestionTooLong) as err:
        check_question("问" * 501)
    assert (err.value.length, err.value.limit) == (501, 500)


def test_unknown_document_is_not_a_key_error(fake_index, capsys):
    assert index_main(["remove", "nope", "--index", str(fake_index)]) == 2
    assert "document 'nope' is not in the index" in capsys.readouterr().err


def test_cli_lets_a_bug_through_instead_of_calling_it_a_user_error(fake_index, monkeypatch):
    import index.__main__ as cli

    def bug(*a, **k):
        raise KeyError("internal")  # before: printed as "error: 'internal'" like a missing document

    monkeypatch.setattr(cli, "remove_document", bug)
    with pytest.raises(KeyError):
        cli.main(["remove", "x", "--index", str(fake_index)])
