package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images written by other tools (skopeo, umoci) are read and measured by us. */
class InteropTest {
    @TempDir
    Path dir;

    static void assertConverted(ConvertedImageFixture f, ResolvedImage image) {
        Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(image, EnumSet.allOf(MemoryModel.class),
                ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
        assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
        assertEquals(f.sgx2Signature.mrenclave(), r.get(MemoryModel.SGX2).mrenclave());
        assertEquals(Optional.of(f.sgx1Signature), ConvertedImage.of(image).signatures().get(MemoryModel.SGX1));
    }

    @Test
    void aDockerArchiveWrittenBySkopeo() throws Exception {
        Tools.require("skopeo");
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference oci = f.write(dir.resolve("oci"));
        Path tar = dir.resolve("app.tar");
        Tools.ok("skopeo", "copy", "--quiet", oci.toString(), "docker-archive:" + tar + ":example.com/app:1.0");
        ResolvedImage image = ResolvedImage.open(ImageReference.parse("docker-archive:" + tar), null);
        assertEquals(3, image.layers().size());
        assertConverted(f, image);
    }

    @Test
    void anOciLayoutWrittenBySkopeoAndEditedByUmoci() throws Exception {
        Tools.require("skopeo");
        Tools.require("umoci");
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference oci = f.write(dir.resolve("oci"));
        Path copy = dir.resolve("copy");
        Tools.ok("skopeo", "copy", "--quiet", oci.toString(), "oci:" + copy + ":copied");
        assertConverted(f, ResolvedImage.open(ImageReference.parse("oci:" + copy + ":copied"), null));

        // umoci rewrites config and manifest (and its own index entry) when it edits the config.
        Tools.ok("umoci", "config", "--image", copy + ":copied", "--tag", "edited", "--config.env", "UMOCI_EDITED=1");
        ResolvedImage edited = ResolvedImage.open(ImageReference.parse("oci:" + copy + ":edited"), null);
        assertTrue(ConvertedImage.env(edited.config().path("config"), "UMOCI_EDITED").isPresent());
        assertConverted(f, edited);

        // umoci insert writes a layer that ends right after the file's data (no padding, no end blocks).
        Path file = java.nio.file.Files.write(dir.resolve("app.sgxs"), f.sgx1.bytes());
        Tools.ok("umoci", "insert", "--image", copy + ":copied", "--tag", "inserted", file.toString(), "/enclave/app.sgxs");
        assertConverted(f, ResolvedImage.open(ImageReference.parse("oci:" + copy + ":inserted"), null));
    }
}
