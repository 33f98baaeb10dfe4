"""English pages read and show dates in the agency's order too (dd.mm.yyyy, as in every table
and document); ISO dates (yyyy-mm-dd) are always accepted as well."""

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"]
