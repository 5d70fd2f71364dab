"""Page images of a real shipped PDF: the cache path, the first render, the cache, and what is refused."""
import shutil
from pathlib import Path

import pytest
from PIL import Image

from index.store import sha256_file
from tests.conftest import RESIDENCE_PDF
from webapp.page_images import (MAX_PIXELS, SCALE, PageUnavailable, page_image, page_image_path, pages_root,
                                render_scale)

DOC = "residence_permit_printout"


@pytest.fixture
def documents(tmp_path) -> dict:
    """A manifest's documents: the real PDF, copied where the test may change it."""
    pdf = shutil.copy(RESIDENCE_PDF, tmp_path / RESIDENCE_PDF.name)
    return {DOC: {"path": str(pdf), "sha256": sha256_file(pdf)}}


def test_the_image_path_is_made_of_the_document_id_its_hash_and_the_page(tmp_path):
    path = page_image_path(tmp_path, DOC, "ab" * 32, 3)
    assert path == pages_root(tmp_path) / DOC / f"{'ab' * 8}-p0003.png"


@pytest.mark.parametrize("doc_id, sha, page", [("../etc", "ab" * 32, 1), ("a/b", "ab" * 32, 1), (".x", "ab" * 32, 1),
                                              (DOC, "../../x", 1), (DOC, "ab" * 32, 0), (DOC, "ab" * 32, "1")])
def test_an_id_hash_or_page_that_could_name_another_file_is_refused(tmp_path, doc_id, sha, page):
    with pytest.raises(ValueError):
        page_image_path(tmp_path, doc_id, sha, page)


def test_a_page_is_rendered_at_twice_its_size_in_points_and_knows_that_size(tmp_path, documents):
    image = page_image(tmp_path / "index", documents, DOC, 1)
    assert image.path == page_image_path(tmp_path / "index", DOC, documents[DOC]["sha256"], 1)
    assert (round(image.width), round(image.height)) == (1191, 1684)  # this printout's A3 pages
    with Image.open(image.path) as im:
        assert all(abs(px - pt * SCALE) <= 1 for px, pt in zip(im.size, (image.width, image.height)))


def test_a_cached_page_is_not_rendered_again(tmp_path, documents):
    first = page_image(tmp_path / "index", documents, DOC, 1)
    Path(documents[DOC]["path"]).unlink()  # a second render would fail now
    assert page_image(tmp_path / "index", documents, DOC, 1) == first


def test_a_file_changed_since_it_was_indexed_is_not_rendered(tmp_path, documents):
    with open(documents[DOC]["path"], "ab") as f:
        f.write(b"\n% appended")
    with pytest.raises(PageUnavailable, match="已更改"):
        page_image(tmp_path / "index", documents, DOC, 1)
    assert not pages_root(tmp_path / "index").exists() or not any(pages_root(tmp_path / "index").rglob("*.png"))


def test_a_page_the_document_does_not_have_is_unavailable(tmp_path, documents):
    with pytest.raises(PageUnavailable, match="没有第99页"):
        page_image(tmp_path / "index", documents, DOC, 99)


def test_a_new_version_of_a_document_replaces_the_old_ones_images(tmp_path, documents):
    old = page_image(tmp_path / "index", documents, DOC, 1).path
    new_sha = "0" * 64
    stale = page_image_path(tmp_path / "index", "gone_doc", new_sha, 1)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    with open(documents[DOC]["path"], "ab") as f:
        f.write(b"\n% a new version")
    documents[DOC]["sha256"] = sha256_file(documents[DOC]["path"])
    page_image(tmp_path / "index", documents, DOC, 1)
    assert not old.exists() and not stale.parent.exists()


def test_a_huge_page_is_rendered_at_a_lower_scale():
    assert render_scale(595, 842) == SCALE
    scale = render_scale(1191, 20000)
    assert scale < SCALE and 1191 * 20000 * scale ** 2 == pytest.approx(MAX_PIXELS)
