"""
Benchmarks: synthetic Studio-style course exports (:mod:`.generator`) and end-to-end measurements of
import, compile, load and read speed on them (:mod:`.measure`, run by ``manage.py lc_bench``).
"""
