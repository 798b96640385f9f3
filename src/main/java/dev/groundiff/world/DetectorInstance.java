package dev.groundiff.world;

import dev.groundiff.data.BitMask;
/**
 * One detected object: its category, a confidence in [0, 1] (mean probability of the category over
 * the mask), its pixel mask and the box around it.
 */
public record DetectorInstance(String category, double score, BitMask mask, BitMask.Box bbox) {}
