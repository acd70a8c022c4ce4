package app

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// editor is a window to write a new tunnel or change one. It checks the
// text on every change, marks the offending lines in the gutter and lists
// the problems; Save is enabled only for a valid config and name.
type editor struct {
	a        *App
	win      fyne.Window
	original string // the tunnel being edited; empty for a new one

	name      *widget.Entry
	text      *widget.Entry
	numbers   *widget.RichText // line numbers beside the text
	marks     *widget.RichText // ▶ beside lines with a problem
	gutter    *fyne.Container
	code      *fyne.Container // gutter and text
	problems  *widget.Label
	pqNote    *widget.Label // which peers' PresharedKey Rosenpass replaces
	pqPeers   []string      // the peers with Rosenpass on, when the editor opened
	publicKey *widget.Label
	save      *widget.Button

	cfg  *importer.Config // the last valid parse
	bad  map[int]bool     // lines with a problem
	errs []*importer.Error
}

// newTunnel opens the editor on a template with a fresh key pair.
func (a *App) newTunnel() {
	key, err := importer.GenerateKey()
	if err != nil {
		a.showError(err)
		return
	}
	a.openEditor("", "[Interface]\nPrivateKey = "+key.String()+"\nAddress = \nDNS = \n\n[Peer]\nPublicKey = \nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = \n")
}

// editTunnel loads the full config (keys from the keyring) and opens the
// editor on it.
func (a *App) editTunnel(name string) {
	var cfg *importer.Config
	a.async(func(ctx context.Context) error {
		var err error
		cfg, err = a.svc.Export(ctx, name)
		return err
	}, func(err error) {
		if err != nil {
			a.showError(fmt.Errorf("%s: %w", lang.L("Cannot open {{.Name}} for editing", map[string]string{"Name": name}), err))
			return
		}
		a.openEditor(name, cfg.String())
	})
}

func (a *App) openEditor(original, text string) *editor {
	e := &editor{a: a, original: original}
	title := lang.L("New tunnel")
	if original != "" {
		title = lang.L("Edit {{.Name}}", map[string]string{"Name": original})
	}
	e.win = a.fy.NewWindow(title)
	e.name = widget.NewEntry()
	e.name.SetPlaceHolder(lang.L("name, e.g. office (letters, digits, _ = + . -; up to 15)"))
	e.name.SetText(original)
	e.text = widget.NewMultiLineEntry()
	e.text.TextStyle.Monospace = true
	e.text.Wrapping = fyne.TextWrapOff
	e.text.Scroll = fyne.ScrollNone
	mono := fyne.TextStyle{Monospace: true}
	e.numbers = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{ColorName: theme.ColorNameDisabled, TextStyle: mono}})
	e.marks = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{ColorName: theme.ColorNameError, TextStyle: mono}})
	e.problems = widget.NewLabel("")
	e.problems.Wrapping = fyne.TextWrapWord
	e.problems.Importance = widget.DangerImportance
	e.pqNote = widget.NewLabel("")
	e.pqNote.Wrapping = fyne.TextWrapWord
	e.pqNote.Importance = widget.WarningImportance
	e.pqNote.Hidden = true // shown by check, before it is laid out
	if original != "" {
		e.pqPeers = a.rosenpassPeers(original)
	}
	e.publicKey = widget.NewLabel("")
	e.publicKey.TextStyle.Monospace = true
	e.publicKey.Selectable = true
	e.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), e.saveTunnel)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("Cancel"), e.win.Close)

	e.text.SetText(text)
	e.text.OnChanged = func(string) { e.check() }
	e.name.OnChanged = func(string) { e.check() }

	// The gutter sits beside the entry, below the entry's border, so its
	// lines stay level with the text as both scroll together. Each column
	// is one text segment, laid out like the entry's own text.
	pad := canvas.NewRectangle(color.Transparent)
	pad.SetMinSize(fyne.NewSize(0, theme.InputBorderSize()))
	e.gutter = container.NewBorder(pad, nil, e.marks, nil, e.numbers)
	e.code = container.NewBorder(nil, nil, e.gutter, nil, e.text)
	form := container.New(layout.NewFormLayout(),
		fieldLabel(lang.L("Name")), e.name,
		fieldLabel(lang.L("Public key")), e.publicKey)
	// The service stores the parsed config, not the text: say so before
	// the user spends effort on layout and comments.
	canonical := widget.NewLabel(lang.L("Saved in the usual key order; comments (#) are dropped."))
	canonical.Importance = widget.LowImportance
	buttons := container.NewHBox(canonical, layout.NewSpacer(), cancel, e.save)
	e.win.SetContent(container.NewBorder(form, container.NewVBox(e.problems, e.pqNote, buttons), nil, nil, container.NewScroll(e.code)))
	e.win.Resize(fyne.NewSize(720, 560))
	e.check()
	e.win.Show()
	a.editor = e
	return e
}

// check parses the text and the name and shows what is wrong.
func (e *editor) check() {
	text := e.text.Text
	e.cfg, e.bad, e.errs = nil, map[int]bool{}, nil
	cfg, err := importer.Parse("", []byte(text))
	var list importer.Errors
	switch {
	case err == nil:
		e.cfg = cfg
	case errors.As(err, &list):
		e.errs = list
	default:
		e.errs = []*importer.Error{{Msg: err.Error()}}
	}
	for _, pe := range e.errs {
		if pe.Line > 0 {
			e.bad[pe.Line] = true
		}
	}
	var msgs []string
	for _, pe := range e.errs {
		msgs = append(msgs, pe.Error())
	}
	if nameErr := e.nameError(); nameErr != nil {
		msgs = append(msgs, lang.L("Name")+": "+nameErr.Error())
	}
	e.problems.SetText(strings.Join(msgs, "\n"))
	e.problems.Hidden = len(msgs) == 0
	e.problems.Refresh()
	setEnabled(e.save, len(msgs) == 0)
	e.showRosenpassNote()
	e.publicKey.SetText(orDash(publicKeyIn(text)))
	e.drawGutter(strings.Count(text, "\n") + 1)
}

// showRosenpassNote says, for each peer with Rosenpass on that the text
// still has, that its PresharedKey is not the one in force.
func (e *editor) showRosenpassNote() {
	var notes []string
	for _, peer := range e.pqPeers {
		if e.cfg != nil && !slices.ContainsFunc(e.cfg.Peers, func(p importer.Peer) bool { return p.PublicKey.String() == peer }) {
			continue
		}
		notes = append(notes, lang.L("Rosenpass is on for peer {{.Peer}}: its PresharedKey here is replaced by Rosenpass's post-quantum key, renewed every 2 minutes.",
			map[string]string{"Peer": shortKey(peer)}))
	}
	e.pqNote.SetText(strings.Join(notes, "\n"))
	e.pqNote.Hidden = len(notes) == 0
	e.pqNote.Refresh()
}

// shortKey is the start of a public key, enough to tell peers apart.
func shortKey(k string) string {
	if len(k) > 8 {
		return k[:8] + "…"
	}
	return k
}

func (e *editor) nameError() error {
	name := strings.TrimSpace(e.name.Text)
	if name == "" {
		return errors.New(lang.L("give the tunnel a name"))
	}
	return importer.ValidateName(name)
}

// drawGutter numbers the lines and marks those with a problem.
func (e *editor) drawGutter(lines int) {
	numbers := make([]string, lines)
	marks := make([]string, lines)
	for i := range lines {
		numbers[i] = fmt.Sprintf("%3d", i+1)
		marks[i] = " "
		if e.bad[i+1] {
			marks[i] = "▶"
		}
	}
	e.numbers.Segments[0].(*widget.TextSegment).Text = strings.Join(numbers, "\n")
	e.marks.Segments[0].(*widget.TextSegment).Text = strings.Join(marks, "\n")
	e.numbers.Refresh()
	e.marks.Refresh()
	e.gutter.Refresh()
	e.code.Refresh()
}

// markedLines are the line numbers the gutter marks.
func (e *editor) markedLines() []int {
	var out []int
	for i, m := range strings.Split(e.marks.String(), "\n") {
		if m == "▶" {
			out = append(out, i+1)
		}
	}
	return out
}

// publicKeyIn derives the public key from the PrivateKey line, so it shows
// while other lines are still wrong.
func publicKeyIn(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "PrivateKey") {
			continue
		}
		v, _, _ = strings.Cut(v, "#")
		if key, err := importer.ParseKey(strings.TrimSpace(v)); err == nil {
			return key.Public().String()
		}
	}
	return ""
}

func (e *editor) saveTunnel() {
	e.check()
	if e.cfg == nil || e.nameError() != nil {
		return
	}
	name, cfg, original := strings.TrimSpace(e.name.Text), e.cfg, e.original
	setEnabled(e.save, false)
	renamed := false
	var applied api.Applied
	e.a.async(func(ctx context.Context) error {
		if original == "" {
			_, err := e.a.svc.Import(ctx, name, cfg)
			return err
		}
		if name != original {
			// A running tunnel is refused with a sentence that says to
			// bring it down first; nothing is changed then.
			if _, err := e.a.svc.Rename(ctx, original, name); err != nil {
				return err
			}
			renamed = true
		}
		res, err := e.a.svc.Update(ctx, name, cfg)
		applied = res.Applied
		return err
	}, func(err error) {
		if renamed {
			e.original = name
			e.win.SetTitle(lang.L("Edit {{.Name}}", map[string]string{"Name": name}))
		}
		if err != nil {
			e.problems.SetText(err.Error())
			e.problems.Show()
			setEnabled(e.save, true)
			return
		}
		e.a.selectTunnel(name)
		e.a.refresh()
		e.win.Close()
		if msg := appliedMessage(applied); msg != "" {
			e.a.notify(name+" changed", msg)
		}
	})
}

// appliedMessage tells the user how a saved edit reached a running tunnel;
// empty when it was not running.
func appliedMessage(how api.Applied) string {
	switch how {
	case api.AppliedLive:
		return "The peer settings are in force; the tunnel stayed connected."
	case api.AppliedReconnected:
		return "The tunnel reconnected to apply the interface settings."
	case api.AppliedUnchanged:
		return "Nothing the running tunnel uses changed."
	}
	return ""
}
