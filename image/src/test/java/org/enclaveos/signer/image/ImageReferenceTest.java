package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    @Test
    void parsesTheTransportsAsSkopeoUsersWriteThem() {
        assertEquals("docker://docker.io/library/nginx:latest", ImageReference.parse("nginx").toString());
        assertEquals("docker://registry.example.com:5000/team/app:1.2",
                ImageReference.parse("docker://registry.example.com:5000/team/app:1.2").toString());
        ImageReference d = ImageReference.parse("127.0.0.1:5000/app@sha256:" + "a".repeat(64));
        assertEquals("127.0.0.1:5000", d.registry());
        assertEquals("app", d.repository());
        assertEquals("sha256:" + "a".repeat(64), d.digest());
        assertTrue(d.isLoopbackRegistry());
        assertFalse(ImageReference.parse("quay.io/a/b:c").isLoopbackRegistry());
        assertEquals("oci:/tmp/layout:1.0", ImageReference.parse("oci:/tmp/layout:1.0").toString());
        assertEquals(null, ImageReference.parse("oci:/tmp/layout").tag());
        assertEquals(ImageReference.Transport.DOCKER_ARCHIVE, ImageReference.parse("docker-archive:app.tar").transport());
    }

    @Test
    void refusesMalformedReferencesNamingThem() {
        SignerException e = assertThrows(SignerException.class, () -> ImageReference.parse("Reg/App:1"));
        assertEquals(ErrorKind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith("image reference 'Reg/App:1': "), e.getMessage());
        assertThrows(SignerException.class, () -> ImageReference.parse("app@sha256:123"));
        assertThrows(SignerException.class, () -> ImageReference.parse("oci:"));
    }
}
