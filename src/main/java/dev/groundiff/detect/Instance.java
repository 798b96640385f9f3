package dev.groundiff.detect;

import dev.groundiff.data.BitMask;

/** One detected object: its category (the vocabulary's spelling), confidence and pixel mask. */
public record Instance(String category, double score, BitMask mask) {}
