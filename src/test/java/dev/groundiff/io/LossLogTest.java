package dev.groundiff.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LossLogTest {
    @Test
    void cutBackKeepsCompleteRowsUpToTheCheckpointStep(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("loss.csv");
        Files.writeString(csv, "step,loss,images,categories\n1,0.9,1,2\n2,,1,0\n3,0.7,1,2\n4,0.6,1,2\n5,0.5"); // row 5 cut by a kill
        LossLog.cutBackTo(csv, "step,loss,images,categories", 3);
        assertEquals(List.of("step,loss,images,categories", "1,0.9,1,2", "2,,1,0", "3,0.7,1,2"), Files.readAllLines(csv));
        LossLog.append(csv, "4,0.61,1,2");
        assertEquals("4,0.61,1,2", Files.readAllLines(csv).get(4));

        Files.writeString(csv, "step,loss,images,categories\n1,0.9,1,2\n2,0.8,1");
        LossLog.cutBackTo(csv, "step,loss,images,categories", 10);
        assertEquals(List.of("step,loss,images,categories", "1,0.9,1,2"), Files.readAllLines(csv));

        Path fresh = dir.resolve("new.csv");
        LossLog.cutBackTo(fresh, "step,loss", 0);
        assertEquals(List.of("step,loss"), Files.readAllLines(fresh));
    }
}
