"""hermes plugin: Hunyuan-A13B (``hunyuan_a13b``), HY V3 (``hy_v3``) and V4 (``hy_v4``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    from hermes_parser_hunyuan.a13b import HunyuanA13BParser
    from hermes_parser_hunyuan.hy_v3 import HyV3Parser
    from hermes_parser_hunyuan.hy_v4 import HyV4Parser

    register(HunyuanA13BParser)
    register(HyV3Parser)
    register(HyV4Parser)
