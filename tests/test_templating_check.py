"""The start-up check of templates stops short of Python bytecode; it refuses what Jinja's compile refuses.

Every shipped template passes both; each broken variant below fails both, and the check names the
file and the line (exit 2 at start, tests/test_resources.py runs that through the command line).
"""

from __future__ import annotations

import shutil

import jinja2
import pytest

from spocmail import templating
from spocmail.errors import ConfigError


def test_every_shipped_template_passes_the_check_and_compiles():
    assert templating.check((templating.TEMPLATES,)) == len(list(templating.TEMPLATES.glob("*.j2")))
    env = templating.environment((str(templating.TEMPLATES),))
    for path in templating.TEMPLATES.glob("*.j2"):
        env.get_template(path.name)


@pytest.mark.parametrize("source, line", [
    ("Dear {{ customer.name }},\n{% if %}\n", 2),
    ("one\ntwo {{ when | no_such_filter }}\n", 2),
    ("{{ when is no_such_test }}\n", 1),
    ("{% block a %}1{% endblock %}\n{% block a %}2{% endblock %}\n", 2),
    ("{% for x in xs %}\n{{ x }}\n", 2),
    ("{{ x | london | kind_label | nope }}", 1),
])
def test_a_template_jinja_would_not_compile_fails_the_check_naming_file_and_line(tmp_path, source, line):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "weekly.txt.j2").write_text(source)
    with pytest.raises(jinja2.TemplateError):
        jinja2.Environment(loader=jinja2.FileSystemLoader(str(own)), undefined=jinja2.StrictUndefined) \
            .get_template("weekly.txt.j2")
    with pytest.raises(ConfigError, match=rf"weekly\.txt\.j2 line {line}: template syntax"):
        templating.check((own, templating.TEMPLATES))


def test_a_councils_good_copy_passes_and_renders(tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    shutil.copy(templating.TEMPLATES / "weekly.txt.j2", own / "weekly.txt.j2")
    assert templating.check((own, templating.TEMPLATES)) == len(list(templating.TEMPLATES.glob("*.j2")))
