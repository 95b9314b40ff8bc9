package dev.grm4j.examples.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grm4j.examples.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code grm models}: the catalogue and what the store holds, read from the directory alone. */
class ModelsCommandTest {

    private static final String SEVEN_B_1 = "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf";
    private static final String SEVEN_B_2 = "qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf";
    private static final String DEFAULT_FILE = "qwen2.5-1.5b-instruct-q4_k_m.gguf";

    @TempDir
    Path dir;

    @Test
    void lists_the_catalogue_with_the_default_marked_when_nothing_is_downloaded_yet() {
        Path store = dir.resolve("models");

        CliRun run = CliRun.grm("models", "--model-dir", store.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Models for --backend llama --model NAME (* the default, used without --model):")
                .containsPattern("\\* qwen2\\.5-1\\.5b +Qwen2\\.5-1\\.5B-Instruct +1\\.5B +Q4_K_M +1\\.1 GB +Apache-2\\.0 +1 +missing")
                .containsPattern("\n  qwen2\\.5-7b +Qwen2\\.5-7B-Instruct +7\\.6B +Q4_K_M +4\\.7 GB +Apache-2\\.0 +2 +missing")
                .contains("Model store: " + store + " (does not exist yet: nothing downloaded)");
        assertThat(store).doesNotExist();
    }

    @Test
    void tells_each_file_complete_partial_or_of_the_wrong_size_and_lists_files_the_catalogue_does_not_know()
            throws IOException {
        sparse(dir.resolve(SEVEN_B_1), 3_993_201_344L);
        Files.write(dir.resolve(SEVEN_B_2 + ".part"), new byte[1000]);
        Files.write(dir.resolve(DEFAULT_FILE), new byte[10]);
        Files.write(dir.resolve("judge.gguf"), new byte[300]);
        Files.write(dir.resolve("other.gguf.part"), new byte[7]);
        Files.write(dir.resolve("notes.txt"), new byte[5]);

        CliRun run = CliRun.grm("models", "--model-dir", dir.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out())
                .containsPattern("\\* qwen2\\.5-1\\.5b .* a file of the wrong size \\(below\\)")
                .containsPattern("qwen2\\.5-7b .* partial download: 1 of 2 files, 4\\.0 GB of 4\\.7 GB")
                .contains("Model store: " + dir)
                .containsPattern(SEVEN_B_1.replace(".", "\\.") + " +3,993,201,344 bytes +complete, SHA-256 checked on first use")
                .containsPattern(SEVEN_B_2.replace(".", "\\.") + "\\.part +1,000 of 689,872,288 bytes +partial download: "
                        + "the next run resumes it")
                .containsPattern(DEFAULT_FILE.replace(".", "\\.") + " +10 bytes +wrong size, pinned to 1,117,320,736 bytes: "
                        + "not used; delete it to download it again")
                .containsPattern("judge\\.gguf +300 bytes +not in the catalogue \\(--model FILE\\)")
                .containsPattern("other\\.gguf\\.part +7 bytes +partial download, not in the catalogue")
                .doesNotContain("notes.txt");
    }

    @Test
    void json_has_the_catalogue_its_pins_and_the_state_of_every_part() throws IOException {
        sparse(dir.resolve(DEFAULT_FILE), 1_117_320_736L);
        Files.write(dir.resolve(SEVEN_B_1 + ".part"), new byte[1000]);
        Files.write(dir.resolve("judge.gguf"), new byte[300]);

        CliRun run = CliRun.grm("models", "--model-dir", dir.toString(), "--json");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.lines()).hasSize(1);
        JsonNode root = run.lines().get(0);
        assertThat(root.get("directory").asText()).isEqualTo(dir.toString());
        assertThat(root.get("directory_exists").asBoolean()).isTrue();
        assertThat(root.get("default").asText()).isEqualTo("qwen2.5-1.5b");
        JsonNode small = root.get("models").get(0);
        assertThat(small.get("name").asText()).isEqualTo("qwen2.5-1.5b");
        assertThat(small.get("default").asBoolean()).isTrue();
        assertThat(small.get("licence").asText()).isEqualTo("Apache-2.0");
        assertThat(small.get("revision").asText()).isEqualTo("91cad51170dc346986eccefdc2dd33a9da36ead9");
        assertThat(small.get("state").asText()).isEqualTo("complete");
        assertThat(small.get("parts").get(0).get("verified").asBoolean()).isFalse();
        assertThat(small.get("parts").get(0).get("sha256").asText())
                .isEqualTo("6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e");
        JsonNode large = root.get("models").get(1);
        assertThat(large.get("default").asBoolean()).isFalse();
        assertThat(large.get("bytes").asLong()).isEqualTo(4_683_073_632L);
        assertThat(large.get("state").asText()).isEqualTo("partial");
        assertThat(large.get("parts")).hasSize(2);
        assertThat(large.get("parts").get(0).get("state").asText()).isEqualTo("partial");
        assertThat(large.get("parts").get(0).get("bytes_on_disk").asLong()).isEqualTo(1000);
        assertThat(large.get("parts").get(1).get("state").asText()).isEqualTo("missing");
        assertThat(large.get("parts").get(1).get("url").asText()).isEqualTo("https://huggingface.co/Qwen/"
                + "Qwen2.5-7B-Instruct-GGUF/resolve/bb5d59e06d9551d752d08b292a50eb208b07ab1f/" + SEVEN_B_2);
        assertThat(root.get("other_files")).hasSize(1);
        assertThat(root.get("other_files").get(0).get("file").asText()).isEqualTo("judge.gguf");
    }

    /** A file of {@code size} bytes that takes no disk space: its size is all {@code grm models} reads. */
    private static void sparse(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }
}
