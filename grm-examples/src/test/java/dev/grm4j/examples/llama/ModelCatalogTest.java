package dev.grm4j.examples.llama;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The catalogue's pins, as published, and the rules every entry keeps. */
class ModelCatalogTest {

    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";
    private static final String HASH = "ab".repeat(32);

    @Test
    void the_default_is_qwen2_5_1_5b_pinned_to_its_published_revision_size_and_hash() {
        ModelCatalog.Entry model = ModelCatalog.defaultModel();

        assertThat(model.name()).isEqualTo("qwen2.5-1.5b").isEqualTo(ModelCatalog.DEFAULT_NAME);
        assertThat(model.isDefault()).isTrue();
        assertThat(model.licence()).isEqualTo("Apache-2.0");
        assertThat(model.parts()).singleElement().satisfies(part -> {
            assertThat(part.url()).hasToString("https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/"
                    + "91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf");
            assertThat(part.fileName()).isEqualTo("qwen2.5-1.5b-instruct-q4_k_m.gguf");
            assertThat(part.size()).hasValue(1_117_320_736L);
            assertThat(part.sha256()).hasValue("6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e");
        });
    }

    @Test
    void qwen2_5_7b_is_the_official_two_part_split_loaded_from_its_first_part() {
        ModelCatalog.Entry model = ModelCatalog.find("qwen2.5-7b").orElseThrow();

        assertThat(model.licence()).isEqualTo("Apache-2.0");
        assertThat(model.isDefault()).isFalse();
        assertThat(model.parts()).extracting(ModelSource::fileName).containsExactly(
                "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf");
        assertThat(model.parts()).extracting(part -> part.size().getAsLong())
                .containsExactly(3_993_201_344L, 689_872_288L);
        assertThat(model.parts()).extracting(part -> part.sha256().orElseThrow()).containsExactly(
                "dfce12e3862a5283ccfb88221b48480e58745165de856439950d0f22590580db",
                "539cf93f78e887edea1c04e2d7d8cdaca9d01dae9c9025bcb8accbe29df3d72a");
        assertThat(model.size()).isEqualTo(4_683_073_632L);
        assertThat(model.firstPart()).isEqualTo(model.parts().get(0));
        assertThat(model.parts()).allSatisfy(part -> assertThat(part.url().toString()).startsWith(
                "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF/resolve/bb5d59e06d9551d752d08b292a50eb208b07ab1f/"));
    }

    @Test
    void every_entry_is_pinned_by_a_commit_in_its_address_an_exact_size_and_a_sha256() {
        assertThat(ModelCatalog.entries()).isNotEmpty().allSatisfy(model -> {
            assertThat(model.revision()).matches("[0-9a-f]{40}");
            assertThat(model.parts()).allSatisfy(part -> {
                assertThat(part.isPinned()).isTrue();
                assertThat(part.url().getPath()).contains("/" + model.revision() + "/").endsWith("/" + part.fileName());
                assertThat(part.url().getScheme()).isEqualTo("https");
            });
        });
        assertThat(ModelCatalog.names()).doesNotHaveDuplicates().first().isEqualTo(ModelCatalog.DEFAULT_NAME);
        assertThat(ModelCatalog.entries().stream().filter(ModelCatalog.Entry::isDefault)).hasSize(1);
    }

    @Test
    void names_are_exact() {
        assertThat(ModelCatalog.find("Qwen2.5-7B")).isEmpty();
        assertThat(ModelCatalog.find("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf")).isEmpty();
        assertThat(ModelCatalog.names()).containsExactly("qwen2.5-1.5b", "qwen2.5-7b");
    }

    @Test
    void an_entry_rejects_a_part_that_is_not_pinned() {
        ModelSource sizeOnly = ModelSource.of(url("m.gguf")).withSize(10);

        assertThatThrownBy(() -> entry(List.of(sizeOnly)))
                .hasMessage("every part of a catalogue model is pinned by size and SHA-256; m.gguf of test is not");
    }

    @Test
    void an_entry_rejects_an_address_without_its_revision() {
        ModelSource onMain = ModelSource.pinned(URI.create("https://example.org/org/repo/resolve/main/m.gguf"), 10, HASH);

        assertThatThrownBy(() -> entry(List.of(onMain)))
                .hasMessage("the address of m.gguf must name revision " + REVISION
                        + ", was https://example.org/org/repo/resolve/main/m.gguf");
        assertThatThrownBy(() -> new ModelCatalog.Entry("test", "Test", "1B", "Q4_K_M", "MIT", "main", List.of(onMain)))
                .hasMessage("revision must be a commit, 40 lower-case hex digits, was 'main'");
    }

    @Test
    void the_parts_of_a_split_are_named_as_llama_cpp_finds_them_in_order() {
        ModelSource first = pinned("m-00001-of-00002.gguf");
        ModelSource second = pinned("m-00002-of-00002.gguf");

        assertThat(entry(List.of(first, second)).firstPart()).isEqualTo(first);
        assertThatThrownBy(() -> entry(List.of(second, first)))
                .hasMessage("part 1 of the split model test must be named PREFIX-00001-of-00002.gguf, one prefix for "
                        + "all (llama.cpp finds the parts by name), was m-00002-of-00002.gguf");
        assertThatThrownBy(() -> entry(List.of(first, pinned("n-00002-of-00002.gguf"))))
                .hasMessageStartingWith("part 2 of the split model test must be named PREFIX-00002-of-00002.gguf");
        assertThatThrownBy(() -> entry(List.of(pinned("a.gguf"), pinned("b.gguf"))))
                .hasMessageStartingWith("part 1 of the split model test must be named PREFIX-00001-of-00002.gguf");
    }

    @Test
    void a_source_needs_an_http_address_a_gguf_file_name_a_positive_size_and_a_full_hash() {
        assertThatThrownBy(() -> ModelSource.of(URI.create("ftp://example.org/m.gguf")))
                .hasMessage("url must be an http or https address, was ftp://example.org/m.gguf");
        assertThatThrownBy(() -> ModelSource.of(URI.create("https://example.org/model.bin")))
                .hasMessage("fileName must be a plain file name ending in .gguf, was 'model.bin'");
        assertThatThrownBy(() -> ModelSource.of(url("m.gguf")).withSha256("abc"))
                .hasMessage("sha256 must be 64 hex digits, was 'abc'");
        assertThatThrownBy(() -> ModelSource.of(url("m.gguf")).withSize(0))
                .hasMessage("size must be > 0 bytes, was 0");
        assertThat(ModelSource.pinned(url("m.gguf"), 10, HASH.toUpperCase()).sha256()).hasValue(HASH);
    }

    private static ModelCatalog.Entry entry(List<ModelSource> parts) {
        return new ModelCatalog.Entry("test", "Test", "1B", "Q4_K_M", "MIT", REVISION, parts);
    }

    private static ModelSource pinned(String fileName) {
        return ModelSource.pinned(url(fileName), 10, HASH);
    }

    private static URI url(String fileName) {
        return URI.create("https://example.org/org/repo/resolve/" + REVISION + "/" + fileName);
    }
}
