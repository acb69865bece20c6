"""Conformance kit: reusable test classes for every extension point.

A plugin author proves a plugin with one subclass, e.g.::

    from hermes_testkit.parsers import ParserConformance

    class TestMyParser(ParserConformance):
        parser_name = "my_format"
        samples = [ParserSample(text=..., calls=[("get_weather", {"city": "Paris"})])]
"""
