"""hermes plugin: Hunyuan-A13B (``hunyuan_a13b``), HY V3 (``hy_v3``) and V4 (``hy_v4``) tool-call parsers."""

from __future__ import annotations

from hermes_core import hookimpl


@hookimpl
def register_tool_call_parsers(register):
    register(
        "hermes_parser_hunyuan.a13b:HunyuanA13BParser",
        name="hunyuan_a13b",
        aliases=("hunyuan", "hunyuan-a13b"),
    )
    register("hermes_parser_hunyuan.hy_v3:HyV3Parser", name="hy_v3", aliases=("hunyuan_v3", "hy-v3"))
    register("hermes_parser_hunyuan.hy_v4:HyV4Parser", name="hy_v4", aliases=("hunyuan_v4", "hy-v4"))
