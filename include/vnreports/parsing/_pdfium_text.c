/* pdfium_chars._chars_in_python in C: a page's chars as the dicts the parser reads.

   Reading a page's chars through ctypes costs several foreign calls and a few dozen bytecodes
   per char, most of parsing a page. This module makes the same pdfium calls from C and applies
   the same rules; pdfium_chars.py keeps the Python loop, used when this module is not built (no
   C compiler at install time), and tests/test_volume.py checks both give the same chars.

   pdfium is not linked: the caller passes the addresses of the pdfium functions pypdfium2 has
   loaded, so this is always the very library pypdfium2 uses. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct { float a, b, c, d, e, f; } fs_matrix;  /* FS_MATRIX */
typedef struct { float left, top, right, bottom; } fs_rectf;  /* FS_RECTF */

typedef void *(*get_text_object_fn)(void *, int);
typedef int (*get_char_origin_fn)(void *, int, double *, double *);
typedef int (*get_loose_char_box_fn)(void *, int, fs_rectf *);
typedef unsigned int (*get_unicode_fn)(void *, int);
typedef int (*is_generated_fn)(void *, int);
typedef int (*get_text_fn)(void *, int, int, unsigned short *);
typedef int (*get_matrix_fn)(void *, int, fs_matrix *);
typedef void *(*text_obj_get_font_fn)(void *);
typedef double (*get_font_size_fn)(void *, int);
typedef size_t (*get_base_font_name_fn)(void *, char *, size_t);
typedef int (*get_char_box_fn)(void *, int, double *, double *, double *, double *);

typedef struct {
    get_text_object_fn text_object;
    get_char_origin_fn origin;
    get_loose_char_box_fn loose_box;
    get_unicode_fn unicode;
    is_generated_fn is_generated;
    get_text_fn text;
    get_matrix_fn matrix;
    text_obj_get_font_fn font;
    get_font_size_fn font_size;
    get_base_font_name_fn font_name;
    get_char_box_fn char_box;
} pdfium_api;

/* Failure codes: the page goes through pdfplumber (pdfium_chars returns None). */
enum { UNREADABLE = -1, ODD_CHAR = -2, NO_BOX = -3, ODD_OBJECT = -4, NOT_IN_ORDER = -5, SAME_ORIGIN = -6 };

typedef struct {
    int index;            /* the char's index in pdfium's text page */
    unsigned int cp;      /* its code point */
    void *obj;            /* its text object */
    double x0, y0, right; /* origin and loose box right edge */
    int info;             /* its object's entry in the objects table */
    int overhang;
    Py_ssize_t order;     /* content-stream position of its object */
} glyph;

typedef struct {
    void *obj;
    double size;
    PyObject *fontname; /* borrowed from the fonts table */
    Py_ssize_t order;
} object_info;

typedef struct {
    void *font;
    PyObject *name; /* owned */
} font_entry;

static PyObject *keys[11]; /* text fontname size upright x0 x1 top bottom doctop height y0 */

static int glyph_order(const void *a, const void *b) {
    const glyph *g = a, *h = b;
    if (g->order != h->order)
        return g->order < h->order ? -1 : 1;
    return g->index < h->index ? -1 : (g->index > h->index); /* stable: pdfium's order within */
}

/* The text object's font size in page space, font name and content-stream position (as
   pdfium_chars._object_info and the `order` map), or a failure code. */
static int object_entry(const pdfium_api *api, void *tp, int i, void *obj, PyObject *order, object_info *objects,
                        int *n_objects, font_entry **fonts, int *n_fonts, int *cap_fonts) {
    for (int k = *n_objects - 1; k >= 0; k--)
        if (objects[k].obj == obj)
            return k;
    fs_matrix m;
    if (!api->matrix(tp, i, &m))
        return ODD_OBJECT;
    if (fabs((double)m.b) > 1e-6 || fabs((double)m.c) > 1e-6 || m.a <= 0 || fabs((double)m.a - (double)m.d) > 1e-6)
        return ODD_OBJECT; /* rotated, mirrored, skewed or stretched text */
    void *font = api->font(obj);
    if (font == NULL)
        return ODD_OBJECT;
    PyObject *name = NULL;
    for (int k = 0; k < *n_fonts && name == NULL; k++)
        if ((*fonts)[k].font == font)
            name = (*fonts)[k].name;
    if (name == NULL) {
        size_t length = api->font_name(font, NULL, 0);
        char *buffer = PyMem_Malloc(length > 0 ? length : 1);
        if (buffer == NULL)
            return UNREADABLE;
        buffer[0] = '\0';
        if (length)
            api->font_name(font, buffer, length);
        buffer[(length > 0 ? length : 1) - 1] = '\0';
        name = PyUnicode_DecodeUTF8(buffer, (Py_ssize_t)strlen(buffer), "replace");
        PyMem_Free(buffer);
        if (name == NULL)
            return UNREADABLE;
        if (*n_fonts == *cap_fonts) {
            int cap = *cap_fonts ? 2 * *cap_fonts : 16;
            font_entry *grown = PyMem_Realloc(*fonts, sizeof(font_entry) * (size_t)cap);
            if (grown == NULL) {
                Py_DECREF(name);
                return UNREADABLE;
            }
            *fonts = grown;
            *cap_fonts = cap;
        }
        (*fonts)[*n_fonts].font = font;
        (*fonts)[*n_fonts].name = name;
        (*n_fonts)++;
    }
    PyObject *address = PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)obj);
    if (address == NULL)
        return UNREADABLE;
    PyObject *position = PyDict_GetItemWithError(order, address);
    Py_DECREF(address);
    if (position == NULL)
        return PyErr_Occurred() ? UNREADABLE : NOT_IN_ORDER;
    Py_ssize_t at = PyLong_AsSsize_t(position);
    if (at == -1 && PyErr_Occurred())
        return UNREADABLE;
    objects[*n_objects].obj = obj;
    objects[*n_objects].size = api->font_size(tp, i) * (double)m.d;
    objects[*n_objects].fontname = name;
    objects[*n_objects].order = at;
    return (*n_objects)++;
}

static PyObject *text_of(unsigned int cp, PyObject *nfc_cache, PyObject *nfc) {
    PyObject *key = PyLong_FromUnsignedLong(cp);
    if (key == NULL)
        return NULL;
    PyObject *text = PyDict_GetItemWithError(nfc_cache, key);
    if (text != NULL) {
        Py_DECREF(key);
        Py_INCREF(text);
        return text;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    text = PyObject_CallOneArg(nfc, key);
    if (text != NULL && PyDict_SetItem(nfc_cache, key, text) < 0) {
        Py_CLEAR(text);
    }
    Py_DECREF(key);
    return text;
}

static int set_float(PyObject *dict, PyObject *key, double value) {
    PyObject *number = PyFloat_FromDouble(value);
    if (number == NULL)
        return -1;
    int failed = PyDict_SetItem(dict, key, number);
    Py_DECREF(number);
    return failed;
}

/* page_chars(text_page, count, functions, order, page_height, doctop, nfc_cache, nfc) -> list | int

   functions: addresses of FPDFText_GetTextObject, FPDFText_GetCharOrigin, FPDFText_GetLooseCharBox,
   FPDFText_GetUnicode, FPDFText_IsGenerated, FPDFText_GetText, FPDFText_GetMatrix,
   FPDFTextObj_GetFont, FPDFText_GetFontSize, FPDFFont_GetBaseFontName, FPDFText_GetCharBox.
   order: text object address -> content-stream position. nfc_cache: code point -> its char (NFC),
   filled by calling nfc(code point) for a new one.

   Returns the chars (dicts, before pdfium_chars._unfold_spaces), or a negative failure code. */
static PyObject *page_chars(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long page_address;
    int n;
    unsigned long long f[11];
    PyObject *order, *nfc_cache, *nfc;
    double page_height, doctop;
    if (!PyArg_ParseTuple(args, "Ki(KKKKKKKKKKK)O!ddO!O", &page_address, &n, &f[0], &f[1], &f[2], &f[3], &f[4],
                          &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &PyDict_Type, &order, &page_height, &doctop,
                          &PyDict_Type, &nfc_cache, &nfc))
        return NULL;
    pdfium_api api = {
        (get_text_object_fn)(uintptr_t)f[0], (get_char_origin_fn)(uintptr_t)f[1],
        (get_loose_char_box_fn)(uintptr_t)f[2], (get_unicode_fn)(uintptr_t)f[3],
        (is_generated_fn)(uintptr_t)f[4], (get_text_fn)(uintptr_t)f[5], (get_matrix_fn)(uintptr_t)f[6],
        (text_obj_get_font_fn)(uintptr_t)f[7], (get_font_size_fn)(uintptr_t)f[8],
        (get_base_font_name_fn)(uintptr_t)f[9], (get_char_box_fn)(uintptr_t)f[10],
    };
    void *tp = (void *)(uintptr_t)page_address;
    if (n < 0)
        return PyLong_FromLong(UNREADABLE);

    int failure = 0, count = 0, n_objects = 0, n_fonts = 0, cap_fonts = 0;
    PyObject *out = NULL;
    font_entry *fonts = NULL;
    unsigned short *codes = PyMem_Malloc(sizeof(unsigned short) * ((size_t)n + 1));
    glyph *glyphs = PyMem_Malloc(sizeof(glyph) * ((size_t)n + 1));
    object_info *objects = PyMem_Malloc(sizeof(object_info) * ((size_t)n + 1));
    if (codes == NULL || glyphs == NULL || objects == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* All code points in one call; pdfium's line-end hyphen mark (0x02) reads 0xFFFE there. */
    if (n && api.text(tp, 0, n, codes) != n + 1) {
        failure = UNREADABLE;
        goto done;
    }
    fs_rectf rect;
    double left, right, bottom, top;
    for (int i = 0; i < n;) {
        unsigned int cp = codes[i];
        if (cp >= 0xFFFE)
            cp = api.unicode(tp, i);
        void *obj = api.text_object(tp, i);
        if ((cp == 0x20 || cp == 0x0D || cp == 0x0A) && api.is_generated(tp, i) == 1) {
            if (obj == NULL) {
                i += 1; /* a line break or space between text objects: pdfminer has no such char */
                continue;
            }
            if (cp != 0x20) {
                failure = ODD_CHAR;
                goto done;
            }
            /* a space inside a text object that pdfium marks as generated: kept (see pdfium_chars) */
        }
        if (cp == 0x02)
            cp = 0x2D; /* pdfium's mark for a hyphen at a line end; the glyph is "-" */
        if (cp == 0x0D || cp == 0x0A || cp >= 0xFFFE || obj == NULL) {
            failure = ODD_CHAR;
            goto done;
        }
        int next = i + 1;
        if (cp >= 0xD800 && cp < 0xDC00 && next < n) { /* surrogate pair */
            unsigned int lo = codes[next];
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                next += 1;
            }
        }
        int info = object_entry(&api, tp, i, obj, order, objects, &n_objects, &fonts, &n_fonts, &cap_fonts);
        if (info < 0) {
            failure = info;
            goto done;
        }
        glyph *g = &glyphs[count++];
        g->index = i;
        g->cp = cp;
        g->obj = obj;
        g->info = info;
        g->order = objects[info].order;
        if (!api.origin(tp, i, &g->x0, &g->y0) || !api.loose_box(tp, i, &rect) ||
            !api.char_box(tp, i, &left, &right, &bottom, &top)) {
            failure = NO_BOX;
            goto done;
        }
        g->right = (double)rect.right;
        /* the loose box is the advance box widened to the glyph's ink when it overhangs */
        g->overhang = left - g->x0 > 1e-4 && fabs(g->right - right) < 1e-4;
        i = next;
    }
    if (PyErr_Occurred())
        goto done;
    /* pdfium sorts the text objects of a line by x; pdfminer keeps content-stream order */
    qsort(glyphs, (size_t)count, sizeof(glyph), glyph_order);

    out = PyList_New(count);
    if (out == NULL)
        goto done;
    for (int k = 0; k < count; k++) {
        glyph *g = &glyphs[k];
        double x1 = g->right;
        if (k + 1 < count) {
            glyph *h = &glyphs[k + 1];
            if (h->obj == g->obj && fabs(h->y0 - g->y0) < 1e-3) { /* same text run */
                if (fabs(h->x0 - g->x0) < 1e-3) {
                    failure = SAME_ORIGIN; /* a split ligature or a multi-char mapping */
                    goto done;
                }
                if (g->overhang && h->x0 > g->x0 && h->x0 < x1)
                    x1 = h->x0; /* the next origin in the same run bounds the advance */
            }
        }
        object_info *o = &objects[g->info];
        double char_top = page_height - (g->y0 + o->size);
        PyObject *text = text_of(g->cp, nfc_cache, nfc);
        PyObject *c = text == NULL ? NULL : PyDict_New();
        if (c == NULL || PyDict_SetItem(c, keys[0], text) < 0 || PyDict_SetItem(c, keys[1], o->fontname) < 0 ||
            set_float(c, keys[2], o->size) < 0 || PyDict_SetItem(c, keys[3], Py_True) < 0 ||
            set_float(c, keys[4], g->x0) < 0 || set_float(c, keys[5], x1) < 0 || set_float(c, keys[6], char_top) < 0 ||
            set_float(c, keys[7], page_height - g->y0) < 0 || set_float(c, keys[8], doctop + char_top) < 0 ||
            set_float(c, keys[9], o->size) < 0 || set_float(c, keys[10], g->y0) < 0) {
            Py_XDECREF(text);
            Py_XDECREF(c);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(text);
        PyList_SET_ITEM(out, k, c);
    }

done:
    PyMem_Free(codes);
    PyMem_Free(glyphs);
    PyMem_Free(objects);
    for (int k = 0; k < n_fonts; k++)
        Py_DECREF(fonts[k].name);
    PyMem_Free(fonts);
    if (PyErr_Occurred()) {
        Py_XDECREF(out);
        return NULL;
    }
    if (failure) {
        Py_XDECREF(out);
        return PyLong_FromLong(failure);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"page_chars", page_chars, METH_VARARGS,
     "page_chars(text_page, count, functions, order, page_height, doctop, nfc_cache, nfc): the page's chars "
     "as dicts, or a negative failure code."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdfium_text", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdfium_text(void) {
    static const char *names[11] = {"text", "fontname", "size", "upright", "x0", "x1",
                                    "top", "bottom", "doctop", "height", "y0"};
    for (int k = 0; k < 11; k++)
        if ((keys[k] = PyUnicode_InternFromString(names[k])) == NULL)
            return NULL;
    PyObject *m = PyModule_Create(&module);
    /* pdfium_chars uses a built module only when this equals its own (a stale build is ignored) */
    if (m != NULL && PyModule_AddIntConstant(m, "API_VERSION", 2) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
