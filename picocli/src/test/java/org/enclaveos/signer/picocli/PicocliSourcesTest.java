package org.enclaveos.signer.picocli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * The picocli this build ships is picocli's published sources compiled for Java 17, nothing more: the
 * same classes as picocli's binary jar, each with the same supertypes and the same fields, methods and
 * constructors, and all of them Java 17 class files (JDK 25's ahead-of-time cache holds no older ones).
 */
class PicocliSourcesTest {
    private static final Path BINARY = Path.of("target/picocli-binary/picocli.jar");
    private static final Path COMPILED = Path.of("target/classes");

    @Test
    void theSameClassesAsPicocliPublishes() throws IOException {
        assertEquals(binaryClassNames(), compiledClassNames());
    }

    @Test
    void eachClassHasTheSameShapeAsInTheBinaryJar() throws Exception {
        try (URLClassLoader binary = isolated(BINARY); URLClassLoader compiled = isolated(COMPILED)) {
            List<String> differ = new ArrayList<>();
            for (String name : binaryClassNames()) {
                Class<?> a = Class.forName(name, false, binary);
                Class<?> b = Class.forName(name, false, compiled);
                assertTrue(a.getClassLoader() == binary && b.getClassLoader() == compiled, name);
                if (!shape(a).equals(shape(b))) {
                    differ.add(name + ": " + shape(a) + " vs " + shape(b));
                }
            }
            assertEquals(List.of(), differ);
        }
    }

    @Test
    void everyClassIsAJava17ClassFile() throws IOException {
        List<String> classes = compiledClassFiles();
        assertTrue(classes.size() > 200, "picocli has some 230 classes: " + classes.size());
        for (String file : classes) {
            try (InputStream in = Files.newInputStream(COMPILED.resolve(file)); DataInputStream data = new DataInputStream(in)) {
                assertEquals(0xCAFEBABE, data.readInt(), file);
                data.readUnsignedShort();
                assertEquals(61, data.readUnsignedShort(), file + ": class file version");
            }
        }
    }

    /**
     * What a caller and reflection see of a class. Members the compiler adds (synthetic) differ by design,
     * and so do two things of an anonymous class no caller can name: javac 9 and later no longer mark one
     * in a static context static, and its constructor's captured values are not part of its signature.
     */
    private static String shape(Class<?> c) {
        List<String> parts = new ArrayList<>();
        boolean anonymous = c.isAnonymousClass();
        parts.add((anonymous ? "anonymous" : Modifier.toString(c.getModifiers())) + " " + c.getName() + " extends "
                + c.getGenericSuperclass() + " implements " + Arrays.toString(c.getGenericInterfaces()));
        TreeSet<String> members = new TreeSet<>();
        Stream.of(c.getDeclaredFields()).filter(f -> !f.isSynthetic()).forEach(f -> members.add(describe(f) + f.getGenericType()));
        Stream.of(c.getDeclaredMethods()).filter(m -> !m.isSynthetic() && !m.isBridge())
                .forEach(m -> members.add(describe(m) + m.toGenericString()));
        Stream.of(c.getDeclaredConstructors()).filter(k -> !k.isSynthetic() && !anonymous)
                .forEach(k -> members.add(describe(k) + k.toGenericString()));
        parts.addAll(members);
        return String.join("\n", parts);
    }

    private static String describe(Member m) {
        return Modifier.toString(m.getModifiers()) + " " + m.getName() + " ";
    }

    private static URLClassLoader isolated(Path path) throws IOException {
        assertTrue(Files.exists(path), path + " (mvn generate-test-resources copies the binary jar)");
        return new URLClassLoader(new URL[] {path.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    }

    private static TreeSet<String> binaryClassNames() throws IOException {
        try (ZipFile zip = new ZipFile(BINARY.toFile())) {
            TreeSet<String> names = new TreeSet<>();
            zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("picocli/") && n.endsWith(".class"))
                    .forEach(n -> names.add(className(n)));
            assertFalse(names.isEmpty(), BINARY.toString());
            return names;
        }
    }

    /** package-info holds only the package's javadoc: javac writes it for the sources, the binary jar has none. */
    private static TreeSet<String> compiledClassNames() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        compiledClassFiles().stream().filter(n -> !n.equals("picocli/package-info.class")).forEach(n -> names.add(className(n)));
        return names;
    }

    private static List<String> compiledClassFiles() throws IOException {
        try (Stream<Path> files = Files.walk(COMPILED)) {
            return files.filter(p -> p.toString().endsWith(".class")).map(p -> COMPILED.relativize(p).toString()).sorted().toList();
        }
    }

    private static String className(String file) {
        return file.substring(0, file.length() - ".class".length()).replace('/', '.');
    }
}
