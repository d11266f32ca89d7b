"""The effective configuration: what each Sekha component (controller, bridge, proxy) will
really run with, value by value, with where each value comes from and what it overrode.

One resolver per component encodes its loader's rules once (`model.loaders` holds them as
data): `show` prints the result, migrate compares it before and after, validate judges it.
"""
