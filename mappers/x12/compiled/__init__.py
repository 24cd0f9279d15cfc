"""The X12 maps compiled into tables and walked by a small state machine: the default set validator.

`tables` compiles a map (pyx12's XML format, read through pyx12's loader) into plain records, `walker` places
segments with cached plans, `checks` checks elements, composites, syntax notes and code lists, and `validator`
puts them behind the `mappers.x12.validate_api.SetValidator` seam.
"""

from mappers.x12.compiled.validator import CompiledValidator

__all__ = ["CompiledValidator"]
