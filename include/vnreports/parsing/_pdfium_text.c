/* The per-char loop of vnreports.parsing.pdfium_chars._chars, in C.

   Reading a page's chars through ctypes costs three foreign calls per char (text object, origin,
   loose box), about 40% of parsing a page. This module makes the same calls from C and returns
   one tuple per char; the rules stay in Python (pdfium_chars.py), which also keeps a pure-Python
   path used when this module is not built (no C compiler at install time).

   pdfium is not linked: the caller passes the addresses of the pdfium functions pypdfium2 has
   loaded, so this is always the very library pypdfium2 uses. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef void *(*get_text_object_fn)(void *, int);
typedef int (*get_char_origin_fn)(void *, int, double *, double *);
typedef int (*get_loose_char_box_fn)(void *, int, float *);
typedef unsigned int (*get_unicode_fn)(void *, int);
typedef int (*is_generated_fn)(void *, int);
typedef int (*get_text_fn)(void *, int, int, unsigned short *);

/* text_page_chars(text_page, count, functions) -> list | int

   functions: addresses of FPDFText_GetTextObject, FPDFText_GetCharOrigin,
   FPDFText_GetLooseCharBox, FPDFText_GetUnicode, FPDFText_IsGenerated, FPDFText_GetText.

   Returns [(index, code_point, text_object, origin_x, origin_y, loose_right), ...] for the chars
   pdfminer would have (pdfium's made-up line breaks and spaces between text objects left out),
   or a negative int where pdfium_chars._chars gives up on the page:
   -1 the text could not be read, -2 an odd control char or a char without a text object,
   -3 an origin or box that could not be read. */
static PyObject *text_page_chars(PyObject *self, PyObject *args) {
    unsigned long long page_address;
    int n;
    unsigned long long f_object, f_origin, f_loose, f_unicode, f_generated, f_text;
    (void)self;
    if (!PyArg_ParseTuple(args, "Ki(KKKKKK)", &page_address, &n, &f_object, &f_origin, &f_loose, &f_unicode,
                          &f_generated, &f_text))
        return NULL;
    void *tp = (void *)(uintptr_t)page_address;
    get_text_object_fn text_object_of = (get_text_object_fn)(uintptr_t)f_object;
    get_char_origin_fn origin_of = (get_char_origin_fn)(uintptr_t)f_origin;
    get_loose_char_box_fn loose_box_of = (get_loose_char_box_fn)(uintptr_t)f_loose;
    get_unicode_fn unicode_of = (get_unicode_fn)(uintptr_t)f_unicode;
    is_generated_fn is_generated = (is_generated_fn)(uintptr_t)f_generated;
    get_text_fn get_text = (get_text_fn)(uintptr_t)f_text;

    if (n < 0)
        return PyLong_FromLong(-1);
    /* All code points in one call; pdfium's line-end hyphen mark (0x02) reads 0xFFFE there. */
    unsigned short *codes = PyMem_Malloc(sizeof(unsigned short) * ((size_t)n + 1));
    if (codes == NULL)
        return PyErr_NoMemory();
    if (n && get_text(tp, 0, n, codes) != n + 1) {
        PyMem_Free(codes);
        return PyLong_FromLong(-1);
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        PyMem_Free(codes);
        return NULL;
    }
    int failure = 0;
    double ox, oy;
    float rect[4]; /* FS_RECTF: left, top, right, bottom */
    int i = 0;
    while (i < n) {
        unsigned int cp = codes[i];
        if (cp >= 0xFFFE)
            cp = unicode_of(tp, i);
        void *obj = text_object_of(tp, i);
        if ((cp == 0x20 || cp == 0x0D || cp == 0x0A) && is_generated(tp, i) == 1) {
            if (obj == NULL) {
                i += 1; /* a line break or space between text objects: pdfminer has no such char */
                continue;
            }
            if (cp != 0x20) {
                failure = -2;
                break;
            }
            /* a space inside a text object that pdfium marks as generated: kept (see _chars) */
        }
        if (cp == 0x02)
            cp = 0x2D; /* pdfium's mark for a hyphen at a line end; the glyph is "-" */
        if (cp == 0x0D || cp == 0x0A || cp >= 0xFFFE || obj == NULL) {
            failure = -2;
            break;
        }
        int j = i + 1;
        if (cp >= 0xD800 && cp < 0xDC00 && j < n) { /* surrogate pair */
            unsigned int lo = codes[j];
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j += 1;
            }
        }
        if (!origin_of(tp, i, &ox, &oy) || !loose_box_of(tp, i, rect)) {
            failure = -3;
            break;
        }
        PyObject *row = Py_BuildValue("(iIKddd)", i, cp, (unsigned long long)(uintptr_t)obj, ox, oy, (double)rect[2]);
        if (row == NULL || PyList_Append(out, row) < 0) {
            Py_XDECREF(row);
            Py_DECREF(out);
            PyMem_Free(codes);
            return NULL;
        }
        Py_DECREF(row);
        i = j;
    }
    PyMem_Free(codes);
    if (failure) {
        Py_DECREF(out);
        return PyLong_FromLong(failure);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"text_page_chars", text_page_chars, METH_VARARGS,
     "text_page_chars(text_page, count, functions): the page's chars as tuples, or a negative failure code."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdfium_text", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdfium_text(void) { return PyModule_Create(&module); }
