package app

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// maxFreeNames bounds the search for a free name to offer.
const maxFreeNames = 100

// resolveConflicts asks, one imported tunnel after the other, what to do
// about each whose name is taken: import it under another name, replace
// the user's own tunnel of that name, or leave it. outcomes are updated
// in place; done runs after the last answer.
func (a *App) resolveConflicts(outcomes []outcome, done func()) {
	for i := range outcomes {
		if o := &outcomes[i]; o.cfg != nil && client.IsCode(o.err, api.CodeExists) {
			a.askConflict(o, func() { a.resolveConflicts(outcomes[i+1:], done) })
			return
		}
	}
	done()
}

// existing is the listed tunnel that name collides with: names are
// unique regardless of case.
func (a *App) existing(name string) *tunnel {
	for n, t := range a.tunnels {
		if strings.EqualFold(n, name) {
			return t
		}
	}
	return nil
}

// freeName is the first of name-2, name-3... that no listed tunnel has.
func (a *App) freeName(name string) string {
	for n := 2; n < maxFreeNames; n++ {
		if c := importer.NumberedName(name, n); a.existing(c) == nil {
			return c
		}
	}
	return ""
}

func (a *App) askConflict(o *outcome, next func()) {
	theirs := a.existing(o.name)
	mine := theirs != nil && theirs.Mine
	text := lang.L("A tunnel named {{.Name}} exists already. Import the one from {{.Source}} under a new name, or replace the configuration and keys of your tunnel {{.Name}} with it.", map[string]string{"Name": o.name, "Source": o.source})
	switch {
	case theirs == nil: // not listed yet: another import or rename holds the name
		text = lang.L("A tunnel named {{.Name}} is being created right now, by another import or rename. Import the one from {{.Source}} under a new name.", map[string]string{"Name": o.name, "Source": o.source})
	case !mine:
		text = lang.L("A tunnel named {{.Name}} exists already and is another user's: it cannot be replaced from here. Import the one from {{.Source}} under a new name.", map[string]string{"Name": o.name, "Source": o.source})
	}
	message := widget.NewLabel(text)
	message.Wrapping = fyne.TextWrapWord
	name := widget.NewEntry()
	name.SetText(a.freeName(o.name))
	var d *dialog.CustomDialog
	rename := &widget.Button{Text: lang.L("Import as new name"), Importance: widget.HighImportance}
	replace := &widget.Button{Text: lang.L("Replace…"), Importance: widget.DangerImportance}
	skip := widget.NewButton(lang.L("Skip"), func() { d.Hide(); next() })
	name.Validator = func(s string) error {
		if err := importer.ValidateName(s); err != nil {
			return err
		}
		if a.existing(s) != nil {
			return errors.New(lang.L("{{.Name}} is taken too", map[string]string{"Name": s}))
		}
		return nil
	}
	name.OnChanged = func(s string) { setEnabled(rename, name.Validator(s) == nil) }
	name.OnChanged(name.Text)
	setEnabled(replace, mine)
	rename.OnTapped = func() {
		d.Hide()
		newName, cfg := name.Text, o.cfg
		a.async(func(ctx context.Context) error {
			t, err := a.svc.Import(ctx, newName, cfg)
			o.name, o.err = t.Name, err
			if err == nil && o.rosenpass != nil {
				o.notApplied = append(o.notApplied, a.rosenpassFromBundle(ctx, t.Name, o.rosenpass))
			}
			return nil
		}, func(error) { next() })
	}
	replace.OnTapped = func() {
		a.confirmDestructive(lang.L("Replace {{.Name}}?", map[string]string{"Name": o.name}),
			lang.L("The configuration and keys of {{.Name}} are replaced by those from {{.Source}}; the old ones are gone. A running tunnel takes the new configuration at once.", map[string]string{"Name": o.name, "Source": o.source}),
			lang.L("Replace"), func() {
				d.Hide()
				target, cfg := theirs.Name, o.cfg
				a.async(func(ctx context.Context) error {
					r, err := a.svc.Update(ctx, target, cfg)
					o.err, o.replaced = err, err == nil
					if err == nil {
						o.name = r.Name
						if o.rosenpass != nil {
							o.notApplied = append(o.notApplied, a.rosenpassFromBundle(ctx, r.Name, o.rosenpass))
						}
					}
					return nil
				}, func(error) { next() })
			}, nil)
	}
	form := widget.NewForm(widget.NewFormItem(lang.L("New name"), name))
	d = dialog.NewCustomWithoutButtons(lang.L("{{.Name}} exists already", map[string]string{"Name": o.name}), container.NewVBox(message, form), a.win)
	d.SetButtons([]fyne.CanvasObject{skip, replace, rename})
	d.Resize(fyne.NewSize(min(560, a.win.Canvas().Size().Width), d.MinSize().Height))
	d.Show()
}
