"""The few HTTP calls the CLI makes, with errors turned into messages and exit codes."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

import httpx

from reelgate.cli.client.errors import REFUSED, UNREACHABLE, ClientError


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's validation errors
        return "; ".join(f"{'.'.join(map(str, d.get('loc', [])[1:]))}: {d['msg']}" for d in detail)
    return str(detail or body)


class Client:
    def __init__(self, base_url: str, key: str | None = None, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {key}", "api-key": key} if key else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(f"cannot reach {self.base_url}: {exc}", UNREACHABLE) from exc
        if response.status_code >= 400:
            raise ClientError(
                f"{method} {path}: {response.status_code} {_detail(response)}",
                REFUSED if response.status_code < 500 else UNREACHABLE,
            )
        return response

    # -- videos ----------------------------------------------------------------------------------

    def generate(
        self,
        prompt: str,
        *,
        model: str | None,
        seconds: int,
        width: int,
        height: int,
        variants: int,
        image: Path | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": prompt,
            "duration": seconds,
            "width": width,
            "height": height,
            "n_variants": variants,
        }
        if model:
            body["model"] = model
        if image is not None:
            body["reference_image"] = data_url(image)
        created = self.request("POST", "/api/generate", json=body).json()
        return self.job(created["job_id"])

    def job(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/jobs/{job_id}").json()

    def jobs(self, limit: int) -> list[dict[str, Any]]:
        return self.request("GET", "/api/jobs", params={"limit": limit}).json()["data"]

    def delete(self, job_id: str) -> None:
        self.request("DELETE", f"/api/jobs/{job_id}")

    def remix(self, job_id: str, prompt: str) -> dict[str, Any]:
        return self.request("POST", f"/api/jobs/{job_id}/remix", json={"prompt": prompt}).json()

    def download(self, url: str, target: Path) -> int:
        """Stream one file to `target` (written aside, then renamed: never a partial file)."""
        partial = target.with_name(f".{target.name}.part")
        try:
            with self.http.stream("GET", url) as response:
                if response.status_code >= 400:
                    response.read()
                    raise ClientError(
                        f"download {url}: {response.status_code} {_detail(response)}", REFUSED
                    )
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise ClientError(f"download {url}: {exc}", UNREACHABLE) from exc
        partial.replace(target)
        return target.stat().st_size

    # -- images and usage ----------------------------------------------------------------------

    def image(self, prompt: str, *, model: str, size: str, n: int) -> list[bytes]:
        body = {
            "prompt": prompt,
            "model": model,
            "size": size,
            "n": n,
            "response_format": "b64_json",
        }
        if "gpt-image" in model:
            body.pop("response_format")  # gpt-image-1 always answers b64_json, refuses the param
        answer = self.request("POST", "/v1/images/generations", json=body).json()
        return [base64.b64decode(item["b64_json"]) for item in answer["data"]]

    def usage(self, since: str | None, until: str | None) -> dict[str, Any]:
        params = {k: v for k, v in {"since": since, "until": until}.items() if v}
        return self.request("GET", "/api/usage", params=params).json()


def data_url(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClientError(f"cannot read {path}: {exc.strerror}", REFUSED) from exc
    media_type = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"
