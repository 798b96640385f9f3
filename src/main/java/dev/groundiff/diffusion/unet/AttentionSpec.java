package dev.groundiff.diffusion.unet;

/** How a UNet block builds its Transformer2DModels. */
record AttentionSpec(long heads, long contextDim, int layers, boolean linearProjection) {}
