package dev.groundiff.world;

import dev.groundiff.data.BitMask;
/**
 * One object drawn in a scene.
 *
 * @param category its category name
 * @param colour   the flat colour it was drawn in
 * @param mask     exactly the pixels where it is visible (an occluded object loses the covered pixels)
 * @param bbox     the box around {@code mask}
 * @param depth    0 for the back-most object; higher is drawn later, in front
 */
public record SceneObject(String category, WorldColour colour, BitMask mask, BitMask.Box bbox, int depth) {}
