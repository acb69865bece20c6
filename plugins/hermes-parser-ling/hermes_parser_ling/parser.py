"""``ling3``: GLM-4.7's ``<tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value></tool_call>``."""

from __future__ import annotations

from hermes_parser_glm.parser import Glm47Parser


class Ling3Parser(Glm47Parser):
    """Ling 3 writes GLM-4.7 calls (vLLM: ``Ling3Parser(Glm47MoeParser)``)."""

    name = "ling3"
    aliases = ()
