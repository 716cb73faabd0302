# Indonesian display formats: 23 November 2026, 14.05; thousands with dots.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H.i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H.i"
TIME_FORMAT = "H.i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
USE_THOUSAND_SEPARATOR = True
