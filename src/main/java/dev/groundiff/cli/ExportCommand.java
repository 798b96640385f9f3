package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.data.export.CocoExport;
import dev.groundiff.data.export.VocExport;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code groundiff export}: a dataset as PASCAL VOC or COCO files for other segmentation tools. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a dataset's images and oracle masks: voc (JPEGImages/%08d.jpg, SegmentationClass/%08d.png, ImageSets/Segmentation/<list>.txt) "
                + "or coco (images/%08d.jpg, annotations.json with RLE masks). %08d is the record index, the dataset's image name."})
public final class ExportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "Dataset folder.")
    Path dataset;

    @Option(names = "--format", required = true, description = "voc or coco.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--list-name", defaultValue = "train", description = "VOC: name of the image list (default: ${DEFAULT-VALUE}).")
    String listName;

    @Override
    public Integer call() throws IOException {
        String f = format.trim().toLowerCase(Locale.ROOT);
        if (!f.equals("voc") && !f.equals("coco")) throw new GroundiffException("unknown --format '" + format + "' (expected voc or coco)");
        DatasetReader reader = DatasetReader.open(dataset);
        Vocabulary vocabulary = Splits.parse(reader.info().split()).vocabulary();
        int n;
        try (ProgressBar bar = ProgressBars.create("export", reader.size(), "images")) {
            Iterable<DatasetRecord> counted = () -> new Iterator<>() {
                final Iterator<DatasetRecord> it = reader.records().iterator();

                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public DatasetRecord next() {
                    DatasetRecord r = it.next();
                    if (bar.getCurrent() < bar.getMax()) bar.step(); // the COCO writer reads the records twice

                    return r;
                }
            };
            n = f.equals("voc") ? VocExport.write(counted, vocabulary, out, listName) : CocoExport.write(counted, vocabulary, out);
        }
        spec.commandLine().getOut().println("exported " + reader.size() + " images (" + n + (f.equals("voc") ? " images" : " annotations") + ") as " + f + " to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
