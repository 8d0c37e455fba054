"""A FastAPI app whose handler only reads the body: the HTTP baseline (``python -m`` it)."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()


@app.post("/noop")
async def noop(request: Request) -> Response:
    await request.body()
    return Response(b'{"accepted":1}', status_code=202, media_type="application/json")


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False)
