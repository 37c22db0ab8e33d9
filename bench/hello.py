"""The floor: a bare Flask "hello" app, served exactly like learnpath (gunicorn, 2 sync workers)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
