#!/usr/bin/env bash
# Seed 001's curl walkthrough, steps 4 to 8 (video jobs), exactly as the seed writes them.
# Only the variables block is adapted: ENDPOINT comes from the environment (reelgate's address)
# and the script stops at the first failing command. Run from an empty directory.
set -euo pipefail

# ------------ Variables ------------
ENDPOINT="${ENDPOINT:?set ENDPOINT, e.g. http://127.0.0.1:8000}"
API_VERSION="preview"

# Auth: use ONE of the two headers per request:
API_KEY="YOUR_AOAI_KEY"
TOKEN="YOUR_BEARER_TOKEN"

# Deployments
VIDEO_DEP="video-deployment"

# Prompts and files
VIDEO_PROMPT="A red kite flying over green hills at sunset"
VIDEO_OUT="video.mp4"
VIDEO_THUMB="thumb.jpg"

# 4) Video generation job — create (JSON)
curl -s -X POST "$ENDPOINT/openai/v1/video/generations/jobs?api-version=$API_VERSION" \
  -H "Content-Type: application/json" \
  -H "api-key: $API_KEY" \
  -d "{
    \"model\": \"$VIDEO_DEP\",
    \"prompt\": \"$VIDEO_PROMPT\",
    \"width\": 1280,
    \"height\": 720,
    \"n_seconds\": 10,
    \"n_variants\": 1
  }" \
| tee create_job.json

# Extract job_id
JOB_ID=$(jq -r '.id' create_job.json)
echo "JOB_ID=$JOB_ID"

# 5) Video jobs — list and get job status
# List jobs
curl -s -X GET "$ENDPOINT/openai/v1/video/generations/jobs?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" \
| jq '.'

# Get this job
curl -s -X GET "$ENDPOINT/openai/v1/video/generations/jobs/$JOB_ID?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" \
| tee get_job.json

# Possible statuses: preprocessing | queued | running | processing | succeeded | failed | cancelled

# 6) Poll until job succeeds; capture generation id
while true; do
  STATUS=$(curl -s -X GET "$ENDPOINT/openai/v1/video/generations/jobs/$JOB_ID?api-version=$API_VERSION" \
    -H "api-key: $API_KEY" | jq -r '.status')
  echo "Status: $STATUS"
  if [ "$STATUS" = "succeeded" ]; then
    break
  elif [ "$STATUS" = "failed" ] || [ "$STATUS" = "cancelled" ]; then
    echo "Job ended with status: $STATUS" >&2
    exit 1
  fi
  sleep 5
done

# Get the first generation id
GEN_ID=$(curl -s -X GET "$ENDPOINT/openai/v1/video/generations/jobs/$JOB_ID?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" | jq -r '.generations[0].id')
echo "GEN_ID=$GEN_ID"

# 7) Retrieve metadata, thumbnail, and video
# Metadata
curl -s -X GET "$ENDPOINT/openai/v1/video/generations/$GEN_ID?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" \
| jq '.'

# Thumbnail (JPEG)
curl -s -X GET "$ENDPOINT/openai/v1/video/generations/$GEN_ID/content/thumbnail?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" \
  -o "$VIDEO_THUMB"

# Video (MP4), high quality
curl -s -X GET "$ENDPOINT/openai/v1/video/generations/$GEN_ID/content/video?api-version=$API_VERSION&quality=high" \
  -H "api-key: $API_KEY" \
  -o "$VIDEO_OUT"

# Optional: HEAD to check readiness/headers
curl -I -X HEAD "$ENDPOINT/openai/v1/video/generations/$GEN_ID/content/video?api-version=$API_VERSION&quality=high" \
  -H "api-key: $API_KEY"

# 8) Delete job (cleanup)
curl -i -X DELETE "$ENDPOINT/openai/v1/video/generations/jobs/$JOB_ID?api-version=$API_VERSION" \
  -H "api-key: $API_KEY"
