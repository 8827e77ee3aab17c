"""The short way for the calls clients repeat all day (status polls, ranged downloads): plain
Starlette routes matched before FastAPI's (`routes.py`) and answers rendered once per change
(`poll_answers.py`)."""
