#!/usr/bin/env bash
# Seed 001's curl walkthrough, steps 1 to 3 (images), exactly as the seed writes them.
# Only the variables block is adapted: ENDPOINT comes from the environment (reelgate's address)
# and the script stops at the first failing command. Run from a directory holding the seed's
# input files, original.png and mask.png.
set -euo pipefail

# ------------ Variables ------------
ENDPOINT="${ENDPOINT:?set ENDPOINT, e.g. http://127.0.0.1:8000}"
API_VERSION="preview"

# Auth: use ONE of the two headers per request:
API_KEY="YOUR_AOAI_KEY"
TOKEN="YOUR_BEARER_TOKEN"

# Deployments
IMG_DEP_GPT_IMAGE_1="gpt-image-1-deployment"
IMG_DEP_DALLE3="dall-e-3-deployment"

# Prompts and files
PROMPT_IMG_GPT="A modern isometric cityscape at dusk, neon accents"
PROMPT_IMG_DALLE3="A watercolor of mountains at sunrise, vivid style"
EDIT_PROMPT="Replace the sky with a pink gradient"
ORIGINAL_IMAGE="original.png"
MASK_IMAGE="mask.png"

# Outputs
OUT_GPT_IMAGE_1="gpt-image-1.png"
OUT_DALLE3_URL_FILE="dalle3-url.txt"
OUT_DALLE3_IMAGE="dalle3.png"

# 1) Image generation — gpt-image-1 (base64 to PNG)
curl -s -X POST "$ENDPOINT/openai/v1/images/generations?api-version=$API_VERSION" \
  -H "Content-Type: application/json" \
  -H "api-key: $API_KEY" \
  -d "{
    \"model\": \"$IMG_DEP_GPT_IMAGE_1\",
    \"prompt\": \"$PROMPT_IMG_GPT\",
    \"size\": \"1024x1024\",
    \"output_format\": \"png\",
    \"quality\": \"high\",
    \"moderation\": \"auto\"
  }" \
| jq -r '.data[0].b64_json' | base64 --decode > "$OUT_GPT_IMAGE_1"

# 2) Image generation — DALL·E 3 (URL → download)
# Request generation (n=1 for DALL·E 3) and capture the URL
curl -s -X POST "$ENDPOINT/openai/v1/images/generations?api-version=$API_VERSION" \
  -H "Content-Type: application/json" \
  -H "api-key: $API_KEY" \
  -d "{
    \"model\": \"$IMG_DEP_DALLE3\",
    \"prompt\": \"$PROMPT_IMG_DALLE3\",
    \"n\": 1,
    \"size\": \"1024x1024\",
    \"quality\": \"hd\",
    \"style\": \"vivid\",
    \"response_format\": \"url\"
  }" \
| jq -r '.data[0].url' > "$OUT_DALLE3_URL_FILE"

# Download the image (URL expires in ~60 minutes)
curl -s -L "$(cat "$OUT_DALLE3_URL_FILE")" -o "$OUT_DALLE3_IMAGE"

# 3) Image edit — gpt-image-1 with transparent background
curl -s -X POST "$ENDPOINT/openai/v1/images/edits?api-version=$API_VERSION" \
  -H "api-key: $API_KEY" \
  -F "model=$IMG_DEP_GPT_IMAGE_1" \
  -F "prompt=$EDIT_PROMPT" \
  -F "image=@$ORIGINAL_IMAGE" \
  -F "mask=@$MASK_IMAGE" \
  -F "output_format=png" \
  -F "background=transparent" \
| jq -r '.data[0].b64_json' | base64 --decode > edited-transparent.png
