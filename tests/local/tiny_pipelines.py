"""Tiny diffusers pipelines with random weights, built entirely in code and saved to a folder.

The local provider loads real checkpoints with ``DiffusionPipeline.from_pretrained(directory)``;
these helpers write folders of the same layout (``model_index.json`` plus one subfolder per
component) so its tests can run the real diffusers code paths on a CPU in about a second, with no
network and no files from a hub. Every tokenizer is built offline from a small word-level
vocabulary. Each builder seeds torch with 0 before each component, so two saves are identical.

The models are as small as the classes allow, but each keeps the *compression ratios* of the
checkpoint it stands in for (VAE spatial/temporal factors, transformer patch sizes), so the size
rules a provider must honour are the real ones (diffusers 0.42):

- ``save_tiny_wan`` -> ``WanPipeline``, and ``save_tiny_wan_i2v`` -> ``WanImageToVideoPipeline``:
  sides a multiple of 16 (else ValueError); frames 4k+1 (others become n // 4 * 4 + 1, warned).
- ``save_tiny_ltx`` -> ``LTXPipeline``: sides a multiple of 32 (else ValueError); frames 8k+1
  (others floored to 8k+1 silently: 5 frames give 1).
- ``save_tiny_flux`` -> ``FluxPipeline``: sides a multiple of 16, at least 16 (others floored to a
  multiple of 16, with a warning).
- ``save_tiny_sdxl`` -> ``StableDiffusionXLPipeline``: sides a multiple of 8 (else ValueError).

``save_tiny_ltx``'s weights also run through ``LTXImageToVideoPipeline.from_pipe``; Flux's through
``FluxImg2ImgPipeline``/``FluxInpaintPipeline.from_pipe``; SDXL's through
``StableDiffusionXLImg2ImgPipeline``/``StableDiffusionXLInpaintPipeline.from_pipe``.

Imports of torch, diffusers and transformers happen inside the functions so that importing this
module never fails where the optional local extra is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = [
    "CLIP_MAX_LENGTH",
    "T5_MAX_LENGTH",
    "VOCABULARY",
    "save_tiny_flux",
    "save_tiny_ltx",
    "save_tiny_sdxl",
    "save_tiny_wan",
    "save_tiny_wan_i2v",
]

#: Token ids of the special tokens, the same in every tiny tokenizer: T5's layout (pad 0, eos 1,
#: unk 2), so the T5 configs keep their usual pad/eos/decoder-start ids.
PAD_ID, EOS_ID, UNK_ID, BOS_ID = 0, 1, 2, 3
_SPECIAL_TOKENS = ("<pad>", "</s>", "<unk>", "<s>")

_WORDS = """
    a an the of on in at with and or to by for from is are
    cat dog fox bird fish horse monkey squirrel dragon robot person man woman child
    dance dances dancing run runs running walk walks eat eating fly flying jump swim
    painting photo video image picture portrait landscape scene sketch
    burger apple tree forest city street beach ocean sea sky sun moon night day snow rain
    red green blue yellow black white orange purple golden
    big small tiny happy sad bright dark slow fast cinematic realistic cartoon
    blurry ugly bad low quality worst deformed watermark text negative
"""

#: Tokens the tiny tokenizers know; any other word becomes ``<unk>``, which still encodes fine.
VOCABULARY: tuple[str, ...] = (
    *_SPECIAL_TOKENS,
    *_WORDS.split(),
    *"0123456789",
    *".,!?;:'\"-()",
)

#: Rows in every tiny text encoder's embedding table (rounded up above the vocabulary's size).
VOCAB_SIZE = 256

#: ``model_max_length`` of the CLIP-style tokenizers: the real CLIP's 77 positions.
CLIP_MAX_LENGTH = 77
#: ``model_max_length`` of the T5-style tokenizers: the real T5's 512.
T5_MAX_LENGTH = 512

# Width of every tiny text encoder; the denoisers' text/caption/cross-attention dims match it.
_TEXT_DIM = 32


def _word_level_tokenizer(*, clip_style: bool, model_max_length: int) -> PreTrainedTokenizerBase:
    """A fast tokenizer over ``VOCABULARY``, built offline (no hub files), lower-casing its input.

    CLIP-style wraps each text as ``<s> ... </s>`` (CLIP's pooled output reads the first eos);
    T5-style appends ``</s>`` only, as T5 does.
    """
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    assert len(VOCABULARY) == len(set(VOCABULARY)) <= VOCAB_SIZE
    vocab = {token: index for index, token in enumerate(VOCABULARY)}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    if clip_style:
        backend.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>",
            pair="<s> $A </s> $B </s>",
            special_tokens=[("<s>", BOS_ID), ("</s>", EOS_ID)],
        )
    else:
        backend.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", EOS_ID)]
        )
    special = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
    if clip_style:
        special["bos_token"] = "<s>"
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        model_max_length=model_max_length,
        padding_side="right",
        **special,
    )


def _t5_tokenizer() -> PreTrainedTokenizerBase:
    """A T5-style tokenizer (eos-terminated, 512 positions)."""
    return _word_level_tokenizer(clip_style=False, model_max_length=T5_MAX_LENGTH)


def _clip_tokenizer() -> PreTrainedTokenizerBase:
    """A CLIP-style tokenizer (bos/eos-wrapped, 77 positions)."""
    return _word_level_tokenizer(clip_style=True, model_max_length=CLIP_MAX_LENGTH)


def _t5_config_kwargs() -> dict[str, object]:
    """Sizes shared by the tiny T5 and UMT5 encoders: two layers, width ``_TEXT_DIM``."""
    return {
        "vocab_size": VOCAB_SIZE,
        "d_model": _TEXT_DIM,
        "d_kv": 8,
        "d_ff": 37,
        "num_layers": 2,
        "num_decoder_layers": 2,
        "num_heads": 4,
        "relative_attention_num_buckets": 8,
        "relative_attention_max_distance": 16,
        "dropout_rate": 0.0,
        "pad_token_id": PAD_ID,
        "eos_token_id": EOS_ID,
        "decoder_start_token_id": PAD_ID,
    }


def _t5_encoder() -> object:
    """A tiny ``T5EncoderModel`` (what LTX and Flux use)."""
    import torch
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    return T5EncoderModel(T5Config(**_t5_config_kwargs())).eval()


def _umt5_encoder() -> object:
    """A tiny ``UMT5EncoderModel`` (what Wan uses)."""
    import torch
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    return UMT5EncoderModel(UMT5Config(**_t5_config_kwargs())).eval()


def _clip_text_config(projection_dim: int = _TEXT_DIM) -> object:
    """A tiny ``CLIPTextConfig`` whose special-token ids match ``_clip_tokenizer``."""
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=_TEXT_DIM,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=CLIP_MAX_LENGTH,
        hidden_act="gelu",
        layer_norm_eps=1e-5,
        projection_dim=projection_dim,
        # eos_token_id != 2, so CLIP pools at the first eos rather than at argmax(input_ids).
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
    )


def _wan_vae() -> object:
    """A tiny ``AutoencoderKLWan`` with Wan 2.1's factors: 8x spatial, 4x temporal, 16 channels."""
    import torch
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    return AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )


def _wan_transformer(in_channels: int) -> object:
    """A tiny ``WanTransformer3DModel``: 2 layers, 2 heads of 12, the real (1, 2, 2) patches."""
    import torch
    from diffusers import WanTransformer3DModel

    torch.manual_seed(0)
    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=16,
        text_dim=_TEXT_DIM,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=128,  # positions for sides up to 2048 px
    )


def _wan_scheduler() -> object:
    """UniPC with flow sigmas, as the Wan-AI diffusers checkpoints ship it."""
    from diffusers import UniPCMultistepScheduler

    return UniPCMultistepScheduler(
        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0
    )


def save_tiny_wan(directory: Path) -> Path:
    """Save a tiny Wan 2.1 text-to-video ``WanPipeline`` to ``directory`` and return it."""
    from diffusers import WanPipeline

    pipe = WanPipeline(
        tokenizer=_t5_tokenizer(),
        text_encoder=_umt5_encoder(),
        vae=_wan_vae(),
        scheduler=_wan_scheduler(),
        transformer=_wan_transformer(in_channels=16),
    )
    pipe.save_pretrained(directory)
    return Path(directory)


def save_tiny_wan_i2v(directory: Path) -> Path:
    """Save a tiny ``WanImageToVideoPipeline`` to ``directory`` and return it.

    It is Wan 2.2 A14B's layout with a single transformer: no CLIP image encoder (that would need a
    torchvision-backed ``CLIPImageProcessor`` under transformers 5), the first frame conditions the
    video through the VAE only (36 input channels: 16 noise + 4 mask + 16 image latents).
    """
    from diffusers import WanImageToVideoPipeline

    pipe = WanImageToVideoPipeline(
        tokenizer=_t5_tokenizer(),
        text_encoder=_umt5_encoder(),
        vae=_wan_vae(),
        scheduler=_wan_scheduler(),
        image_processor=None,
        image_encoder=None,
        transformer=_wan_transformer(in_channels=36),
        transformer_2=None,
        boundary_ratio=None,
    )
    pipe.save_pretrained(directory)
    return Path(directory)


def save_tiny_ltx(directory: Path) -> Path:
    """Save a tiny ``LTXPipeline`` (LTX-Video 0.9 layout) to ``directory`` and return it.

    The VAE keeps LTX's 32x spatial / 8x temporal compression (patch 4, three scaling blocks);
    ``LTXImageToVideoPipeline.from_pipe`` runs on the same weights.
    """
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=_TEXT_DIM,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    # LTX-Video's own scheduler config: the shift follows the latent sequence length.
    scheduler = FlowMatchEulerDiscreteScheduler(
        use_dynamic_shifting=True,
        base_shift=0.95,
        max_shift=2.05,
        base_image_seq_len=1024,
        max_image_seq_len=4096,
        shift_terminal=0.1,
    )
    pipe = LTXPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=_t5_encoder(),
        tokenizer=_t5_tokenizer(),
        transformer=transformer,
    )
    pipe.save_pretrained(directory)
    return Path(directory)


def _image_vae(latent_channels: int, **kwargs: object) -> object:
    """A tiny four-level ``AutoencoderKL``: the real 8x spatial factor, 4 channels per level."""
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(4, 4, 4, 4),
        layers_per_block=1,
        latent_channels=latent_channels,
        norm_num_groups=2,
        sample_size=32,
        **kwargs,
    )


def save_tiny_flux(directory: Path) -> Path:
    """Save a tiny FLUX.1-dev-style ``FluxPipeline`` (guidance-distilled) and return ``directory``.

    ``FluxImg2ImgPipeline.from_pipe`` and ``FluxInpaintPipeline.from_pipe`` run on the same weights.
    """
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel

    latent_channels = 4
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=latent_channels * 4,  # latents are packed 2x2 into tokens
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=_TEXT_DIM,
        pooled_projection_dim=_TEXT_DIM,
        guidance_embeds=True,
        axes_dims_rope=(4, 4, 8),
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_text_config()).eval()
    vae = _image_vae(
        latent_channels,
        use_quant_conv=False,
        use_post_quant_conv=False,
        shift_factor=0.1159,
        scaling_factor=0.3611,
    )
    # FLUX.1-dev's scheduler config: resolution-dependent shift.
    scheduler = FlowMatchEulerDiscreteScheduler(
        shift=3.0,
        use_dynamic_shifting=True,
        base_shift=0.5,
        max_shift=1.15,
        base_image_seq_len=256,
        max_image_seq_len=4096,
    )
    pipe = FluxPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=_clip_tokenizer(),
        text_encoder_2=_t5_encoder(),
        tokenizer_2=_t5_tokenizer(),
        transformer=transformer,
        image_encoder=None,
        feature_extractor=None,
    )
    pipe.save_pretrained(directory)
    return Path(directory)


def save_tiny_sdxl(directory: Path) -> Path:
    """Save a tiny ``StableDiffusionXLPipeline`` to ``directory`` and return it.

    ``StableDiffusionXLImg2ImgPipeline`` / ``StableDiffusionXLInpaintPipeline.from_pipe`` run on the
    same weights (a 4-channel UNet: inpainting blends latents, as with the SDXL base checkpoint).
    """
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    addition_time_embed_dim = 8
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(2, 4),
        layers_per_block=1,
        sample_size=4,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=addition_time_embed_dim,
        transformer_layers_per_block=(1, 1),
        # six micro-conditioning numbers (sizes and crop) plus the pooled text embedding.
        projection_class_embeddings_input_dim=6 * addition_time_embed_dim + _TEXT_DIM,
        # The two encoders' penultimate hidden states, concatenated.
        cross_attention_dim=2 * _TEXT_DIM,
        norm_num_groups=1,
    )
    # SDXL base 1.0's scheduler config.
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        steps_offset=1,
        timestep_spacing="leading",
    )
    vae = _image_vae(4, scaling_factor=0.13025, force_upcast=False)
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_text_config()).eval()
    torch.manual_seed(0)
    text_encoder_2 = CLIPTextModelWithProjection(_clip_text_config()).eval()
    pipe = StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=_clip_tokenizer(),
        tokenizer_2=_clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        image_encoder=None,
        feature_extractor=None,
        # Not saved in model_index.json: a loaded copy watermarks if invisible-watermark is there.
        add_watermarker=False,
    )
    pipe.save_pretrained(directory)
    return Path(directory)
