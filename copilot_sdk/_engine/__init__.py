"""The turn runtime: serial queue, queued turn, runner, turn engine, tool rounds,
hook and permission adapters, history projection and per-thread turn context.

Nothing here builds HTTP: providers do. Nothing here is public.
"""
