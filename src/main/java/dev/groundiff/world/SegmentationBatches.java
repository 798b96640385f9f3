package dev.groundiff.world;

/**
 * Where a segmenter's training batches come from. Batch {@code s} depends only on {@code s} (and the
 * source's own fixed settings), so a resumed run sees the same batches as an uninterrupted one.
 */
public interface SegmentationBatches {
    /** Images [B, 3, S, S] in [0, 1] and class maps [B, S, S] (int64: 0 background, {@link #IGNORE} not scored) of step {@code s} (1-based). */
    SceneBatch batch(int s);

    /** What the data is, for the run's recipe: a checkpoint trained on other data is refused. Empty for the default (rendered scenes). */
    String recipe();

    /** Label of pixels that count for no class (e.g. where two synthetic masks overlap): nll_loss's default ignore_index. */
    long IGNORE = -100;

    /** Scenes rendered on the fly: step {@code s} uses seeds {@link DetectorTraining#firstSceneSeed(int)}.. */
    static SegmentationBatches rendered(DetectorTraining t) {
        SceneSpec spec = t.sceneSpec();
        return new SegmentationBatches() {
            @Override
            public SceneBatch batch(int s) {
                return SceneBatch.render(t.firstSceneSeed(s), t.batch(), spec, t.config().categories());
            }

            @Override
            public String recipe() {
                return "";
            }
        };
    }
}
